"""The incident lifecycle (pure): what a signal or a person's action does to the incident of a subject.

::

    (none) ──failing──► open ──acknowledge──► acknowledged
                         │  ▲                    │
                  snooze │  │ snooze ends        │ snooze
                         ▼  │ (still failing)    ▼
                        snoozed ◄────────────────┘
    any active state ──passing signal, or resolve──► resolved   (a later failure opens a new incident)

Repeats are suppressed: a failing signal for an incident that is already open updates its numbers
but tells nobody, unless something a reader would care about changed — a higher severity, or the
check going from *warn* or *error* to *fail*. Snoozed incidents stay quiet until the snooze ends.

Every function returns a :class:`Decision`: the incident's new value (``None`` when nothing changes),
the history event to record, and what, if anything, the channel should hear.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from alerting.signals import Signal
from observer.errors import InputError
from observer.model import CheckStatus, Incident, IncidentState, Severity

ACTIVE = frozenset({IncidentState.OPEN, IncidentState.ACKNOWLEDGED, IncidentState.SNOOZED})
_STATUS_RANK = {CheckStatus.WARN: 0, CheckStatus.ERROR: 1, CheckStatus.FAIL: 2}


class Notify(enum.StrEnum):
    """What the channel hears about."""

    OPENED = "opened"
    ESCALATED = "escalated"
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    SNOOZE_ENDED = "snooze_ended"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class Decision:
    incident: Incident | None
    """The incident as it should now be stored; ``None`` when nothing changes."""
    event: str | None = None
    """History event to record (``opened``, ``updated``, ``escalated`` …); ``None`` records nothing."""
    notify: Notify | None = None
    actor: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.incident is not None


NO_CHANGE = Decision(None)


def severity_rank(severity: Severity) -> int:
    return list(Severity).index(severity)


def _details(signal: Signal, previous: dict[str, Any] | None) -> dict[str, Any]:
    previous = previous or {}
    return {
        **previous,
        "status": signal.status.value,
        "summary": signal.summary,
        "observed": signal.observed,
        "expected": signal.expected,
        "cause": signal.cause,
        "last_evaluated_at": signal.evaluated_at.isoformat(),
        # The same evaluation seen again (a re-run on the same input) is not another failure.
        "failures": int(previous.get("failures", 0))
        + (1 if signal.failing and previous.get("last_evaluated_at") != signal.evaluated_at.isoformat() else 0),
        "result_id": signal.result_id,
        "first_failed_at": previous.get("first_failed_at") or signal.evaluated_at.isoformat(),
    }


def on_signal(
    current: Incident | None,
    signal: Signal,
    now: datetime,
    *,
    owner: str | None = None,
    team: str | None = None,
) -> Decision:
    """Apply one signal to the subject's active incident (or to none)."""
    if current is None:
        if not signal.failing:
            return NO_CHANGE
        opened = Incident(
            id=None,
            kind=signal.kind,
            check=signal.check,
            asset=signal.asset,
            state=IncidentState.OPEN,
            severity=signal.severity,
            title=signal.title,
            opened_at=min(signal.evaluated_at, now),
            updated_at=now,
            owner=signal.owner or owner,
            team=signal.team or team,
            details=_details(signal, None),
        )
        return Decision(opened, "opened", Notify.OPENED, detail={"summary": signal.summary})
    if not signal.failing:
        resolved = replace(
            current,
            state=IncidentState.RESOLVED,
            resolved_at=now,
            updated_at=now,
            snoozed_until=None,
            details={
                **current.details,
                "resolution": signal.summary,
                "last_evaluated_at": signal.evaluated_at.isoformat(),
            },
        )
        return Decision(
            resolved, "resolved", Notify.RESOLVED, actor="check", detail={"summary": signal.summary}
        )
    before = CheckStatus(current.details.get("status", CheckStatus.FAIL.value))
    worse_severity = severity_rank(signal.severity) > severity_rank(current.severity)
    worse_status = _STATUS_RANK.get(signal.status, 0) > _STATUS_RANK.get(before, 0)
    updated = replace(
        current,
        severity=signal.severity if worse_severity else current.severity,
        title=signal.title,
        updated_at=now,
        details=_details(signal, current.details),
    )
    if worse_severity or worse_status:
        tell = Notify.ESCALATED if current.state != IncidentState.SNOOZED else None
        detail = {"from": current.severity.value, "to": updated.severity.value, "status": signal.status.value}
        return Decision(updated, "escalated", tell, detail=detail)
    event = "updated" if signal.summary != current.details.get("summary") else None
    return Decision(updated, event, None, detail={"summary": signal.summary} if event else {})


def on_snooze_expired(incident: Incident, now: datetime) -> Decision:
    """A snoozed incident whose time is up and that was not resolved meanwhile is open again."""
    if (
        incident.state != IncidentState.SNOOZED
        or incident.snoozed_until is None
        or incident.snoozed_until > now
    ):
        return NO_CHANGE
    reopened = replace(incident, state=IncidentState.OPEN, snoozed_until=None, updated_at=now)
    return Decision(reopened, "snooze_ended", Notify.SNOOZE_ENDED, actor="schedule")


def acknowledge(incident: Incident, actor: str, now: datetime) -> Decision:
    """Someone is on it: no more reminders, the message shows who."""
    if incident.state not in (IncidentState.OPEN, IncidentState.SNOOZED):
        return NO_CHANGE
    acked = replace(
        incident,
        state=IncidentState.ACKNOWLEDGED,
        snoozed_until=None,
        updated_at=now,
        details={**incident.details, "acknowledged_by": actor, "acknowledged_at": now.isoformat()},
    )
    return Decision(acked, "acknowledged", Notify.ACKNOWLEDGED, actor=actor)


def snooze(incident: Incident, until: datetime, actor: str, now: datetime) -> Decision:
    """Quiet until ``until``; if it still fails then, the channel hears about it again."""
    if until <= now:
        raise InputError(f"snooze end {until.isoformat()} is not in the future", field="until")
    if incident.state not in ACTIVE:
        return NO_CHANGE
    snoozed = replace(
        incident,
        state=IncidentState.SNOOZED,
        snoozed_until=until,
        updated_at=now,
        details={**incident.details, "snoozed_by": actor},
    )
    return Decision(snoozed, "snoozed", Notify.SNOOZED, actor=actor, detail={"until": until.isoformat()})


def resolve(incident: Incident, actor: str, now: datetime, note: str | None = None) -> Decision:
    """Closed by a person. If the check still fails at its next run, a new incident opens."""
    if incident.state not in ACTIVE:
        return NO_CHANGE
    details = {**incident.details, "resolved_by": actor}
    if note:
        details["resolution"] = note
    resolved = replace(
        incident,
        state=IncidentState.RESOLVED,
        resolved_at=now,
        snoozed_until=None,
        updated_at=now,
        details=details,
    )
    return Decision(resolved, "resolved", Notify.RESOLVED, actor=actor, detail={"note": note} if note else {})
