"""The incident job against a real store (SQLite and PostgreSQL): one incident per (check, asset),
queued messages in the same transaction, grouping within the window, repeats suppressed, actions."""

from __future__ import annotations

from datetime import datetime, timedelta

from alerting import incidents
from observer.config import Settings
from observer.model import CheckResult, CheckStatus, IncidentState, Severity
from observer.store import Store
from observer.store.check_results import record_check_results
from observer.store.incidents import incident_history, list_incidents
from observer.store.outbox import list_outbox
from tests.alerting.conftest import (
    EVENTS,
    ORDERS,
    ORPHAN,
    PAYMENTS,
    SESSIONS,
    failing,
    make_settings,
    passing,
)


def _rows(store: Store) -> list:  # type: ignore[type-arg]
    with store.read() as conn:
        items, _ = list_outbox(conn, limit=500)
    return sorted(items, key=lambda r: r.id)


def test_a_failure_opens_one_incident_routed_to_the_owners_channel(catalog: Store, now: datetime) -> None:
    settings = make_settings(None)
    report = incidents.process_signals(catalog, settings, [failing(PAYMENTS, at=now)], now)
    assert (report.opened, report.queued, report.routes) == (1, 1, {"#finance-data": 1})
    with catalog.read() as conn:
        [incident], total = list_incidents(conn)
    assert (
        total == 1
        and incident.owner == "CAROL"
        and incident.team == "finance"
        and incident.state == IncidentState.OPEN
    )
    [post] = _rows(catalog)
    assert (post.destination, post.operation, post.channel_type, post.state.value) == (
        "#finance-data",
        "post",
        "slack",
        "pending",
    )
    assert post.payload["metadata"] == {
        "event_type": "observer_alert",
        "event_payload": {"key": post.dedup_key},
    }
    blob = str(post.payload["blocks"])
    assert "fct_orders" in blob and "Carol Jensen" in blob  # downstream impact and the owner


def test_running_again_on_the_same_failure_sends_nothing_new(catalog: Store, now: datetime) -> None:
    settings = make_settings(None)
    incidents.process_signals(catalog, settings, [failing(PAYMENTS, at=now)], now)
    for minutes in (15, 30, 45):
        at = now + timedelta(minutes=minutes)
        again = incidents.process_signals(catalog, settings, [failing(PAYMENTS, at=at)], at)
        assert (again.opened, again.queued) == (0, 0)
    assert len(_rows(catalog)) == 1
    with catalog.read() as conn:
        [incident], _ = list_incidents(conn)
        assert incident.details["failures"] == 4
        assert [e.event for e in incident_history(conn, incident.id)] == ["opened"]


def test_failures_of_one_owner_within_the_window_share_one_message(catalog: Store, now: datetime) -> None:
    settings = make_settings(None, group_window_minutes=10)
    incidents.process_signals(
        catalog,
        settings,
        [failing(PAYMENTS, at=now), failing(ORDERS, "volume", at=now, severity=Severity.MEDIUM)],
        now,
    )
    [post] = _rows(catalog)
    assert post.payload["blocks"][0]["text"]["text"].endswith("2 open incidents for finance")
    # another failure of finance five minutes later, while the post is still queued: the post is rewritten
    later = now + timedelta(minutes=5)
    incidents.process_signals(
        catalog, settings, [failing(ORDERS, "quality:not_null(order_id)", at=later)], later
    )
    [post] = _rows(catalog)
    assert post.payload["blocks"][0]["text"]["text"].endswith("3 open incidents for finance")
    # growth's failure goes to growth's channel, in its own message
    incidents.process_signals(catalog, settings, [failing(EVENTS, "volume", at=later)], later)
    assert sorted(r.destination for r in _rows(catalog)) == ["#finance-data", "#growth-data"]
    # after the window a new failure of finance gets a new message
    after = now + timedelta(minutes=11)
    incidents.process_signals(catalog, settings, [failing(PAYMENTS, "schema", at=after)], after)
    assert [r.destination for r in _rows(catalog)].count("#finance-data") == 2


def test_a_sent_message_is_edited_in_place_with_a_thread_reply(catalog: Store, now: datetime) -> None:
    settings = make_settings(None)
    incidents.process_signals(catalog, settings, [failing(PAYMENTS, at=now)], now)
    [post] = _rows(catalog)
    _mark_sent(catalog, post.id, now)
    later = now + timedelta(minutes=2)
    incidents.process_signals(
        catalog, settings, [failing(ORDERS, "volume", at=later)], later
    )  # joins the group
    resolved_at = now + timedelta(minutes=3)
    incidents.process_signals(catalog, settings, [passing(PAYMENTS, at=resolved_at)], resolved_at)
    ops = [(r.operation, r.message_id) for r in _rows(catalog)]
    assert ops[0] == ("post", post.message_id)
    assert sorted(op for op, _ in ops[1:]) == ["reply", "reply", "update"]  # one pending edit, rewritten
    update = next(r for r in _rows(catalog) if r.operation == "update")
    assert "Resolved" in str(update.payload["blocks"]) and "1 open incidents for finance" in str(
        update.payload["blocks"]
    )
    replies = [r.payload["text"] for r in _rows(catalog) if r.operation == "reply"]
    assert any("new failure" in t for t in replies) and any("the check passes again" in t for t in replies)


def test_actions_change_the_incident_and_queue_edits(catalog: Store, now: datetime) -> None:
    settings = make_settings(None)
    incidents.process_signals(catalog, settings, [failing(SESSIONS, at=now)], now)
    [post] = _rows(catalog)
    _mark_sent(catalog, post.id, now)
    with catalog.read() as conn:
        [incident], _ = list_incidents(conn)
    acked, changed = incidents.acknowledge(catalog, settings, incident.id, "slack:U0ALICE:alice", now)
    assert changed and acked.state == IncidentState.ACKNOWLEDGED
    assert incidents.acknowledge(catalog, settings, incident.id, "slack:U0ALICE:alice", now)[1] is False
    until = now + timedelta(hours=4)
    snoozed, _ = incidents.snooze(catalog, settings, incident.id, until, "api:ops", now)
    assert snoozed.snoozed_until == until
    # still failing when the snooze ends: open again, and the channel hears about it
    incidents.process_signals(catalog, settings, [failing(SESSIONS, at=until)], until + timedelta(minutes=1))
    with catalog.read() as conn:
        [again], _ = list_incidents(conn)
        events = [e.event for e in incident_history(conn, incident.id)]
    assert again.state == IncidentState.OPEN and events == [
        "opened",
        "acknowledged",
        "snoozed",
        "snooze_ended",
    ]
    replies = [r.payload["text"] for r in _rows(catalog) if r.operation == "reply"]
    assert [t.split(" — ")[1] for t in replies] == [
        "acknowledged by alice",
        f"snoozed until {until:%Y-%m-%d %H:%M} UTC by ops",
        "snooze ended and it still fails",
    ]


def test_incidents_nobody_owns_go_to_the_default_channel(catalog: Store, now: datetime) -> None:
    settings = make_settings(None)
    incidents.process_signals(catalog, settings, [failing(ORPHAN, at=now)], now)
    [post] = _rows(catalog)
    assert post.destination == "#data-alerts" and "no owner known" in str(post.payload["blocks"])


def test_check_results_are_processed_once_from_a_watermark(catalog: Store, now: datetime) -> None:
    settings = make_settings(None)
    with catalog.transaction() as conn:
        record_check_results(
            conn,
            [
                CheckResult(
                    "freshness",
                    "freshness",
                    PAYMENTS,
                    CheckStatus.FAIL,
                    now - timedelta(hours=1),
                    "late",
                    run_key="a",
                ),
                CheckResult(
                    "freshness", "freshness", PAYMENTS, CheckStatus.FAIL, now, "still late", run_key="b"
                ),
                CheckResult(
                    "row_count", "volume", EVENTS, CheckStatus.SKIPPED, now, "not enough history", run_key="c"
                ),
                CheckResult(
                    "not_null(id)",
                    "quality",
                    ORDERS,
                    CheckStatus.ERROR,
                    now,
                    "permission denied",
                    run_key="d",
                ),
            ],
        )
    first = incidents.process_check_results(catalog, settings, now, batch=2)
    assert (first.opened, first.signals) == (2, 2)  # the older of two results for one subject is superseded
    assert incidents.process_check_results(catalog, settings, now).signals == 0
    with catalog.read() as conn:
        titles = sorted(i.title for i in list_incidents(conn)[0])
    assert titles == ["not_null(id) could not run on fct_orders", "stripe_payments is late"]


def test_webhook_channels_get_new_messages_instead_of_edits(catalog: Store, now: datetime) -> None:
    settings = Settings(alerting={"dry_run": False, "slack": {"webhook_url": "https://hooks.example/T/B/X"}})
    incidents.process_signals(catalog, settings, [failing(PAYMENTS, at=now)], now)
    [post] = _rows(catalog)
    assert post.channel_type == "webhook"
    _mark_sent(catalog, post.id, now)
    incidents.process_signals(catalog, settings, [passing(PAYMENTS, at=now)], now + timedelta(minutes=1))
    ops = [(r.operation, r.channel_type) for r in _rows(catalog)]
    assert ops == [("post", "webhook"), ("post", "webhook")]
    assert "the check passes again" in _rows(catalog)[1].payload["text"]


def _mark_sent(store: Store, item_id: int, now: datetime) -> None:
    from observer.store.outbox import claim, mark_sent

    with store.transaction() as conn:
        assert claim(conn, item_id, now + timedelta(minutes=2))
        mark_sent(conn, item_id, now, {"channel": "C0FIN", "ts": "1700000000.000100"})
