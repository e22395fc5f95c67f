"""``/api/v1/incidents`` and ``/api/v1/alerts/outbox``: incidents, their history and messages, actions.

Reading needs the viewer role (or anonymous reads); acknowledge / snooze / resolve and requeueing a
dead message need editor. An action changes the incident and queues the Slack edit and thread reply
in one transaction; delivery follows right after the response.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from observer.api.auth import Principal, require_role
from observer.api.deps import get_now, get_settings, get_store, read_conn
from observer.api.errors import Conflict, NotFound, Unprocessable
from observer.api.paging import Page, PageParams, page_params
from observer.config import Settings
from observer.errors import InputError
from observer.errors import NotFound as MissingIncident
from observer.model import Incident, IncidentState
from observer.store import Store
from observer.store import incidents as incident_store
from observer.store import outbox as outbox_store

router = APIRouter(tags=["incidents"], dependencies=[Depends(require_role("viewer"))])


class IncidentOut(BaseModel):
    id: int
    kind: str
    check: str
    asset: str | None
    state: str
    severity: str
    title: str
    owner: str | None
    team: str | None
    opened_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    snoozed_until: datetime | None
    details: dict[str, Any]

    @classmethod
    def of(cls, i: Incident) -> IncidentOut:
        assert i.id is not None
        return cls(
            id=i.id, kind=i.kind, check=i.check, asset=str(i.asset) if i.asset else None, state=i.state.value,
            severity=i.severity.value, title=i.title, owner=i.owner, team=i.team, opened_at=i.opened_at,
            updated_at=i.updated_at, resolved_at=i.resolved_at, snoozed_until=i.snoozed_until, details=i.details,
        )  # fmt: skip


class IncidentEventOut(BaseModel):
    at: datetime
    event: str
    actor: str | None
    detail: dict[str, Any]


class OutboxItemOut(BaseModel):
    id: int
    dedup_key: str
    channel_type: str
    destination: str
    operation: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    incident_id: int | None
    message_id: int | None
    response: dict[str, Any] | None

    @classmethod
    def of(cls, r: outbox_store.OutboxItem) -> OutboxItemOut:
        return cls(
            id=r.id, dedup_key=r.dedup_key, channel_type=r.channel_type, destination=r.destination,
            operation=r.operation, state=r.state.value, attempts=r.attempts, next_attempt_at=r.next_attempt_at,
            last_error=r.last_error, created_at=r.created_at, sent_at=r.sent_at, incident_id=r.incident_id,
            message_id=r.message_id, response=r.response,
        )  # fmt: skip


class IncidentDetail(IncidentOut):
    history: list[IncidentEventOut]
    messages: list[OutboxItemOut] = Field(description="the Slack post, edits and replies about this incident")


class ActionResult(BaseModel):
    incident: IncidentOut
    changed: bool = Field(description="false when the incident was already in that state")


class SnoozeIn(BaseModel):
    minutes: int | None = Field(None, ge=1, le=60 * 24 * 30, description="snooze for this long…")
    until: datetime | None = Field(None, description="…or until this time (UTC)")


class ResolveIn(BaseModel):
    note: str | None = Field(None, max_length=2000)


class OutboxPage(Page[OutboxItemOut]):
    counts: dict[str, int]


@router.get("/incidents", response_model=Page[IncidentOut], summary="List incidents")
def list_incidents(
    state: list[str] | None = Query(
        None, description="open, acknowledged, snoozed, resolved; 'active' for the first three"
    ),
    team: str | None = Query(None),
    asset: str | None = Query(None, description="asset key, e.g. snowflake://analytics.marts.orders"),
    kind: str | None = Query(None, description="freshness, volume, schema, quality, budget, spend_jump …"),
    page: PageParams = Depends(page_params),
    conn: Connection = Depends(read_conn),
) -> Page[IncidentOut]:
    """Incidents, most recently changed first."""
    states: list[str] | None = None
    if state:
        states = []
        for s in state:
            if s == "active":
                states.extend(incident_store.ACTIVE_STATES)
            elif s in {x.value for x in IncidentState}:
                states.append(s)
            else:
                raise Unprocessable(f"unknown state {s!r}")
    items, total = incident_store.list_incidents(
        conn, states=states, team=team, asset=asset, kind=kind, limit=page.limit, offset=page.offset
    )
    return Page[IncidentOut](
        items=[IncidentOut.of(i) for i in items], total=total, limit=page.limit, offset=page.offset
    )


@router.get(
    "/incidents/{incident_id}", response_model=IncidentDetail, summary="One incident with its history"
)
def read_incident(incident_id: int, conn: Connection = Depends(read_conn)) -> IncidentDetail:
    incident = incident_store.get_incident(conn, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    history = [
        IncidentEventOut(at=e.at, event=e.event, actor=e.actor, detail=e.detail)
        for e in incident_store.incident_history(conn, incident_id)
    ]
    message_id = incident_store.message_id_of(conn, incident_id)
    rows = outbox_store.message_rows(conn, message_id) if message_id is not None else []
    mine = [r for r in rows if r.incident_id in (None, incident_id) or r.operation != "reply"]
    base = IncidentOut.of(incident).model_dump()
    return IncidentDetail(**base, history=history, messages=[OutboxItemOut.of(r) for r in mine])


def _result(pair: tuple[Incident, bool]) -> ActionResult:
    return ActionResult(incident=IncidentOut.of(pair[0]), changed=pair[1])


def apply_action(
    store: Store,
    settings: Settings,
    incident_id: int,
    verb: str,
    actor: str,
    now: datetime,
    *,
    until: datetime | None = None,
    note: str | None = None,
) -> tuple[Incident, bool]:
    """Acknowledge, snooze (``until``) or resolve an incident and queue its Slack edit and reply.

    The one entry point for pages and API alike (pages call it with ``actor="web:<token name>"``).
    Returns the incident and whether it changed; raises ``observer.errors.NotFound`` for an unknown
    id and ``InputError`` for a snooze that does not end in the future. Follow it with
    :func:`deliver_soon` so Slack shows the change at once.
    """
    from alerting import incidents

    if verb == "acknowledge":
        return incidents.acknowledge(store, settings, incident_id, actor, now)
    if verb == "snooze":
        if until is None:
            raise InputError("a snooze needs an end time", field="until")
        return incidents.snooze(store, settings, incident_id, until, actor, now)
    if verb == "resolve":
        return incidents.resolve(store, settings, incident_id, actor, now, note)
    raise InputError(f"unknown action {verb!r}; use acknowledge, snooze or resolve", field="action")


def deliver_soon(background: BackgroundTasks, store: Store, settings: Settings) -> None:
    """Deliver what an action queued right after the response (nothing in dry-run mode)."""
    from alerting.jobs import deliver_queued

    background.add_task(deliver_queued, store, settings)


def _act(action: Callable[[], tuple[Incident, bool]]) -> tuple[Incident, bool]:
    try:
        return action()
    except MissingIncident as exc:
        raise NotFound(str(exc)) from None
    except InputError as exc:
        raise Unprocessable(exc.reason) from None


def _deliver_later(background: BackgroundTasks, store: Store, settings: Settings, changed: bool) -> None:
    if changed:
        deliver_soon(background, store, settings)


@router.post("/incidents/{incident_id}/acknowledge", response_model=ActionResult, summary="Acknowledge")
def acknowledge(
    incident_id: int,
    background: BackgroundTasks,
    who: Principal = Depends(require_role("editor")),
    store: Store = Depends(get_store),
    settings: Settings = Depends(get_settings),
    now: datetime = Depends(get_now),
) -> ActionResult:
    """Someone is on it: reminders stop, the Slack message shows who."""
    result = _act(lambda: apply_action(store, settings, incident_id, "acknowledge", f"api:{who.name}", now))
    _deliver_later(background, store, settings, result[1])
    return _result(result)


@router.post("/incidents/{incident_id}/snooze", response_model=ActionResult, summary="Snooze")
def snooze(
    incident_id: int,
    body: SnoozeIn,
    background: BackgroundTasks,
    who: Principal = Depends(require_role("editor")),
    store: Store = Depends(get_store),
    settings: Settings = Depends(get_settings),
    now: datetime = Depends(get_now),
) -> ActionResult:
    """Quiet until a time (``until``) or for ``minutes``; announced again then if it still fails."""
    if (body.until is None) == (body.minutes is None):
        raise Unprocessable("give exactly one of 'minutes' or 'until'")
    until = body.until if body.until is not None else now + timedelta(minutes=body.minutes or 0)
    if until.tzinfo is None:
        raise Unprocessable("'until' needs a timezone (e.g. 2026-11-21T09:00:00Z)")
    result = _act(
        lambda: apply_action(store, settings, incident_id, "snooze", f"api:{who.name}", now, until=until)
    )
    _deliver_later(background, store, settings, result[1])
    return _result(result)


@router.post("/incidents/{incident_id}/resolve", response_model=ActionResult, summary="Resolve")
def resolve(
    incident_id: int,
    background: BackgroundTasks,
    body: ResolveIn | None = None,
    who: Principal = Depends(require_role("editor")),
    store: Store = Depends(get_store),
    settings: Settings = Depends(get_settings),
    now: datetime = Depends(get_now),
) -> ActionResult:
    """Close an incident by hand; if its check still fails at the next run, a new incident opens."""
    note = body.note if body else None
    result = _act(
        lambda: apply_action(store, settings, incident_id, "resolve", f"api:{who.name}", now, note=note)
    )
    _deliver_later(background, store, settings, result[1])
    return _result(result)


@router.get("/alerts/outbox", response_model=OutboxPage, summary="Alert messages: queued, sent, dead")
def list_outbox(
    state: str | None = Query(None, description="pending, sending, sent or dead (dead letters)"),
    page: PageParams = Depends(page_params),
    conn: Connection = Depends(read_conn),
) -> OutboxPage:
    if state is not None and state not in {s.value for s in outbox_store.OutboxState}:
        raise Unprocessable(f"unknown state {state!r}")
    items, total = outbox_store.list_outbox(conn, state=state, limit=page.limit, offset=page.offset)
    return OutboxPage(
        items=[OutboxItemOut.of(r) for r in items], total=total, limit=page.limit, offset=page.offset,
        counts=outbox_store.outbox_counts(conn),
    )  # fmt: skip


@router.post(
    "/alerts/outbox/{item_id}/requeue", response_model=OutboxItemOut, summary="Requeue a dead message"
)
def requeue(
    item_id: int,
    background: BackgroundTasks,
    who: Principal = Depends(require_role("editor")),
    store: Store = Depends(get_store),
    settings: Settings = Depends(get_settings),
    now: datetime = Depends(get_now),
) -> OutboxItemOut:
    with store.transaction() as conn:
        if outbox_store.get_item(conn, item_id) is None:
            raise NotFound(f"no outbox row {item_id}")
        if not outbox_store.requeue(conn, item_id, now):
            raise Conflict(f"outbox row {item_id} is not dead; only dead messages can be requeued")
        item = outbox_store.get_item(conn, item_id)
    assert item is not None
    _deliver_later(background, store, settings, True)
    return OutboxItemOut.of(item)
