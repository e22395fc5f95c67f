"""The incident lifecycle as pure decisions: what each signal or action does, and what it announces."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from alerting import lifecycle
from alerting.lifecycle import Notify
from observer.errors import InputError
from observer.model import CheckStatus, IncidentState, Severity
from tests.alerting.conftest import PAYMENTS, failing, passing


def _opened(now: datetime):  # type: ignore[no-untyped-def]
    decision = lifecycle.on_signal(None, failing(PAYMENTS, at=now), now, owner="CAROL", team="finance")
    return replace(decision.incident, id=1)


def test_a_failure_opens_an_incident_and_announces_it(now: datetime) -> None:
    decision = lifecycle.on_signal(
        None, failing(PAYMENTS, at=now - timedelta(minutes=3)), now, owner="CAROL", team="finance"
    )
    assert decision.notify == Notify.OPENED and decision.event == "opened"
    incident = decision.incident
    assert incident.state == IncidentState.OPEN and incident.owner == "CAROL" and incident.team == "finance"
    assert incident.opened_at == now - timedelta(minutes=3)
    assert incident.details["observed"]["lag_hours"] == 50.2 and incident.details["failures"] == 1


def test_a_pass_without_an_incident_changes_nothing(now: datetime) -> None:
    assert not lifecycle.on_signal(None, passing(PAYMENTS, at=now), now).changed


def test_repeats_are_recorded_but_not_announced(now: datetime) -> None:
    incident = _opened(now)
    later = now + timedelta(minutes=30)
    same = lifecycle.on_signal(incident, failing(PAYMENTS, at=later), later)
    assert same.notify is None and same.event is None
    assert same.incident.updated_at == later and same.incident.details["failures"] == 2
    worded_differently = lifecycle.on_signal(
        same.incident, failing(PAYMENTS, at=later, summary="no load for 51 hours"), later
    )
    assert worded_differently.notify is None and worded_differently.event == "updated"


def test_a_higher_severity_or_a_warning_turning_into_a_failure_is_announced(now: datetime) -> None:
    incident = _opened(now)
    worse = lifecycle.on_signal(incident, failing(PAYMENTS, at=now, severity=Severity.CRITICAL), now)
    assert worse.notify == Notify.ESCALATED and worse.incident.severity == Severity.CRITICAL
    calmer = lifecycle.on_signal(worse.incident, failing(PAYMENTS, at=now, severity=Severity.LOW), now)
    assert calmer.notify is None and calmer.incident.severity == Severity.CRITICAL  # worst seen is kept
    warned = lifecycle.on_signal(None, failing(PAYMENTS, at=now, status=CheckStatus.WARN), now)
    failed = lifecycle.on_signal(replace(warned.incident, id=2), failing(PAYMENTS, at=now), now)
    assert failed.notify == Notify.ESCALATED


def test_a_pass_resolves_and_a_later_failure_opens_a_new_incident(now: datetime) -> None:
    incident = _opened(now)
    resolved = lifecycle.on_signal(
        incident, passing(PAYMENTS, at=now + timedelta(hours=1)), now + timedelta(hours=1)
    )
    assert resolved.notify == Notify.RESOLVED and resolved.incident.state == IncidentState.RESOLVED
    assert resolved.incident.resolved_at == now + timedelta(hours=1)


def test_acknowledge_is_idempotent_and_stops_at_resolved(now: datetime) -> None:
    incident = _opened(now)
    acked = lifecycle.acknowledge(incident, "slack:U1:carol", now)
    assert acked.incident.state == IncidentState.ACKNOWLEDGED and acked.notify == Notify.ACKNOWLEDGED
    assert acked.incident.details["acknowledged_by"] == "slack:U1:carol"
    assert not lifecycle.acknowledge(acked.incident, "slack:U1:carol", now).changed
    done = lifecycle.resolve(acked.incident, "api:ops", now, "fixed the loader")
    assert done.incident.details["resolution"] == "fixed the loader"
    assert not lifecycle.acknowledge(done.incident, "x", now).changed
    assert not lifecycle.resolve(done.incident, "x", now).changed


def test_a_snooze_keeps_quiet_until_it_ends_then_reopens_if_still_failing(now: datetime) -> None:
    incident = _opened(now)
    until = now + timedelta(hours=4)
    snoozed = lifecycle.snooze(incident, until, "api:ops", now).incident
    assert snoozed.state == IncidentState.SNOOZED and snoozed.snoozed_until == until
    escalated_while_snoozed = lifecycle.on_signal(
        snoozed, failing(PAYMENTS, at=now, severity=Severity.CRITICAL), now
    )
    assert escalated_while_snoozed.event == "escalated" and escalated_while_snoozed.notify is None
    assert not lifecycle.on_snooze_expired(snoozed, until - timedelta(seconds=1)).changed
    back = lifecycle.on_snooze_expired(snoozed, until)
    assert back.incident.state == IncidentState.OPEN and back.notify == Notify.SNOOZE_ENDED


def test_a_snooze_must_end_in_the_future(now: datetime) -> None:
    with pytest.raises(InputError, match="not in the future"):
        lifecycle.snooze(_opened(now), now, "api:ops", now)
