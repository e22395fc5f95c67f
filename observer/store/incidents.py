"""Incidents, their history, and the alert messages they are shown in.

One incident per (check, asset) is *active* (not resolved) at a time; a failure after resolution opens
a new one, so the history of each episode stays intact. Every state change is an
``incident_events`` row (who, when, what) — the timeline the UI shows.

Functions for the API and the UI: :func:`list_incidents`, :func:`get_incident`,
:func:`incident_history`. State changes go through ``alerting.incidents`` (acknowledge, snooze,
resolve), which also queues the Slack updates; this module only persists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, insert, select, update

from observer.model import AssetKey, CheckResult, CheckStatus, Incident, IncidentState, Severity
from observer.store.tables import alert_messages, check_results, incident_events, incidents

ACTIVE_STATES = (IncidentState.OPEN.value, IncidentState.ACKNOWLEDGED.value, IncidentState.SNOOZED.value)


@dataclass(frozen=True)
class IncidentEvent:
    id: int
    incident_id: int
    at: datetime
    event: str
    """``opened``, ``updated``, ``escalated``, ``acknowledged``, ``snoozed``, ``snooze_ended``, ``resolved``."""
    actor: str | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class AlertMessageRecord:
    """One message a group of incidents is shown in (its post, updates and replies are outbox rows)."""

    id: int
    channel_type: str
    destination: str
    group_key: str
    kind: str
    created_at: datetime
    window_ends_at: datetime


def _incident(row: Any) -> Incident:
    m = row._mapping
    return Incident(
        id=m["id"],
        kind=m["kind"],
        check=m["check"],
        asset=AssetKey.from_stored(m["asset_key"]) if m["asset_key"] else None,
        state=IncidentState(m["state"]),
        severity=Severity(m["severity"]),
        title=m["title"],
        opened_at=m["opened_at"],
        updated_at=m["updated_at"],
        resolved_at=m["resolved_at"],
        snoozed_until=m["snoozed_until"],
        owner=m["owner"],
        details=dict(m["details"] or {}),
        team=m["team"],
    )


def _row(incident: Incident) -> dict[str, Any]:
    return {
        "kind": incident.kind,
        "check": incident.check,
        "asset_key": str(incident.asset) if incident.asset else None,
        "state": incident.state.value,
        "severity": incident.severity.value,
        "title": incident.title,
        "owner": incident.owner,
        "team": incident.team,
        "opened_at": incident.opened_at,
        "updated_at": incident.updated_at,
        "resolved_at": incident.resolved_at,
        "snoozed_until": incident.snoozed_until,
        "details": incident.details,
    }


# ── incidents ───────────────────────────────────────────────────────────────────────────────────────


def active_incident(conn: Connection, check: str, asset: AssetKey | None) -> Incident | None:
    """The unresolved incident of ``(check, asset)``, if any."""
    key = incidents.c.asset_key == str(asset) if asset is not None else incidents.c.asset_key.is_(None)
    row = conn.execute(
        select(incidents)
        .where(incidents.c.check == check, key, incidents.c.state.in_(ACTIVE_STATES))
        .order_by(incidents.c.id.desc())
        .limit(1)
    ).first()
    return _incident(row) if row else None


def save_incident(conn: Connection, incident: Incident) -> Incident:
    """Insert a new incident (``id is None``) or overwrite an existing one; returns it with its id."""
    if incident.id is None:
        new_id = conn.execute(
            insert(incidents).values(**_row(incident)).returning(incidents.c.id)
        ).scalar_one()
        return _with_id(incident, int(new_id))
    conn.execute(update(incidents).where(incidents.c.id == incident.id).values(**_row(incident)))
    return incident


def _with_id(incident: Incident, new_id: int) -> Incident:
    from dataclasses import replace

    return replace(incident, id=new_id)


def add_event(
    conn: Connection,
    incident_id: int,
    at: datetime,
    event: str,
    actor: str | None,
    detail: dict[str, Any] | None = None,
) -> int:
    return int(
        conn.execute(
            insert(incident_events)
            .values(incident_id=incident_id, at=at, event=event, actor=actor, detail=detail or {})
            .returning(incident_events.c.id)
        ).scalar_one()
    )


def get_incident(conn: Connection, incident_id: int) -> Incident | None:
    row = conn.execute(select(incidents).where(incidents.c.id == incident_id)).first()
    return _incident(row) if row else None


def list_incidents(
    conn: Connection,
    *,
    states: Sequence[IncidentState | str] | None = None,
    team: str | None = None,
    asset: AssetKey | str | None = None,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Incident], int]:
    """A page of incidents, most recently changed first, with the total matching count.

    ``states=None`` lists every state; pass ``ACTIVE_STATES`` for the ones still needing attention.
    """
    conditions: list[ColumnElement[bool]] = []
    if states:
        conditions.append(incidents.c.state.in_([str(s) for s in states]))
    if team:
        conditions.append(incidents.c.team == team)
    if asset:
        conditions.append(incidents.c.asset_key == str(asset))
    if kind:
        conditions.append(incidents.c.kind == kind)
    query = (
        select(incidents).where(*conditions).order_by(incidents.c.updated_at.desc(), incidents.c.id.desc())
    )
    found = [_incident(r) for r in conn.execute(query.limit(limit).offset(offset))]
    if len(found) < limit and (found or offset == 0):  # a short page is the last: its end is the total
        return found, offset + len(found)
    total = conn.execute(select(func.count()).select_from(incidents).where(*conditions)).scalar_one()
    return found, int(total)


def incident_history(conn: Connection, incident_id: int) -> list[IncidentEvent]:
    """The incident's timeline, oldest first."""
    rows = conn.execute(
        select(incident_events)
        .where(incident_events.c.incident_id == incident_id)
        .order_by(incident_events.c.at, incident_events.c.id)
    )
    return [IncidentEvent(r.id, r.incident_id, r.at, r.event, r.actor, dict(r.detail or {})) for r in rows]


def active_incidents(
    conn: Connection, *, kind: str | None = None, check_prefix: str | None = None
) -> list[Incident]:
    conditions: list[ColumnElement[bool]] = [incidents.c.state.in_(ACTIVE_STATES)]
    if kind:
        conditions.append(incidents.c.kind == kind)
    if check_prefix:
        conditions.append(incidents.c.check.startswith(check_prefix, autoescape=True))
    return [_incident(r) for r in conn.execute(select(incidents).where(*conditions).order_by(incidents.c.id))]


def expired_snoozes(conn: Connection, now: datetime) -> list[Incident]:
    rows = conn.execute(
        select(incidents).where(
            incidents.c.state == IncidentState.SNOOZED.value, incidents.c.snoozed_until <= now
        )
    )
    return [_incident(r) for r in rows]


def open_counts_by_team(conn: Connection) -> dict[str | None, int]:
    rows = conn.execute(
        select(incidents.c.team, func.count())
        .where(incidents.c.state.in_(ACTIVE_STATES))
        .group_by(incidents.c.team)
    )
    return {team: int(n) for team, n in rows}


# ── alert messages (grouping) ───────────────────────────────────────────────────────────────────────


def create_alert_message(
    conn: Connection,
    *,
    channel_type: str,
    destination: str,
    group_key: str,
    kind: str,
    now: datetime,
    window: timedelta,
) -> AlertMessageRecord:
    new_id = conn.execute(
        insert(alert_messages)
        .values(
            channel_type=channel_type,
            destination=destination,
            group_key=group_key,
            kind=kind,
            created_at=now,
            window_ends_at=now + window,
        )
        .returning(alert_messages.c.id)
    ).scalar_one()
    return AlertMessageRecord(int(new_id), channel_type, destination, group_key, kind, now, now + window)


def open_group_message(
    conn: Connection, *, channel_type: str, destination: str, group_key: str, now: datetime
) -> AlertMessageRecord | None:
    """The group's incident message whose grouping window is still open at ``now``, if any."""
    row = conn.execute(
        select(alert_messages)
        .where(
            alert_messages.c.channel_type == channel_type,
            alert_messages.c.destination == destination,
            alert_messages.c.group_key == group_key,
            alert_messages.c.kind == "incidents",
            alert_messages.c.window_ends_at > now,
            alert_messages.c.created_at <= now,
        )
        .order_by(alert_messages.c.id.desc())
        .limit(1)
    ).first()
    return _message(row) if row else None


def get_alert_message(conn: Connection, message_id: int) -> AlertMessageRecord | None:
    row = conn.execute(select(alert_messages).where(alert_messages.c.id == message_id)).first()
    return _message(row) if row else None


def _message(row: Any) -> AlertMessageRecord:
    m = row._mapping
    return AlertMessageRecord(
        m["id"],
        m["channel_type"],
        m["destination"],
        m["group_key"],
        m["kind"],
        m["created_at"],
        m["window_ends_at"],
    )


def attach_to_message(conn: Connection, incident_ids: Iterable[int], message_id: int) -> None:
    ids = list(incident_ids)
    if ids:
        conn.execute(update(incidents).where(incidents.c.id.in_(ids)).values(message_id=message_id))


def message_id_of(conn: Connection, incident_id: int) -> int | None:
    return conn.execute(
        select(incidents.c.message_id).where(incidents.c.id == incident_id)
    ).scalar_one_or_none()


def incidents_of_message(conn: Connection, message_id: int) -> list[Incident]:
    rows = conn.execute(
        select(incidents).where(incidents.c.message_id == message_id).order_by(incidents.c.id)
    )
    return [_incident(r) for r in rows]


# ── check results waiting to be turned into incidents ───────────────────────────────────────────────


def check_results_after(conn: Connection, last_id: int, limit: int = 5000) -> list[tuple[int, CheckResult]]:
    """Stored check results with an id above ``last_id``, in the order they were written."""
    rows = conn.execute(
        select(check_results).where(check_results.c.id > last_id).order_by(check_results.c.id).limit(limit)
    )
    return [
        (
            r.id,
            CheckResult(
                check=r.check,
                check_type=r.check_type,
                asset=AssetKey.from_stored(r.asset_key),
                status=CheckStatus(r.status),
                evaluated_at=r.evaluated_at,
                message=r.message,
                severity=Severity(r.severity),
                observed=dict(r.observed or {}),
                expected=dict(r.expected or {}),
                run_key=r.run_key,
            ),
        )
        for r in rows
    ]
