"""Durable delivery through the real slack_sdk clients against the fake Slack server.

What a user would notice: every alert arrives exactly once, in order per channel, even when Slack
rate-limits, fails, refuses connections or loses responses for minutes; a message that cannot be
delivered ends up in dead letters with the reason, and can be requeued.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from alerting.outbox import Backoff, Deliverer
from alerting.slack.notifier import SlackNotifier, SlackWebhookNotifier
from alerting.slack.render import METADATA_EVENT
from observer.store import Store
from observer.store.outbox import OutboxState, claim, enqueue, list_outbox, outbox_counts, requeue
from tests.fakes.clock import FakeClock
from tests.fakes.slack_server import TOKEN, FakeSlack


def _post(
    store: Store,
    key: str,
    channel: str,
    now: datetime,
    text: str | None = None,
    message_id: int | None = None,
) -> None:
    payload = {
        "text": text or f"alert {key}",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text or f"*alert* {key}"}}],
        "metadata": {"event_type": METADATA_EVENT, "event_payload": {"key": key}},
    }
    with store.transaction() as conn:
        enqueue(
            conn,
            dedup_key=key,
            channel_type="slack",
            destination=channel,
            operation="post",
            payload=payload,
            now=now,
            message_id=message_id,
        )


def _follow_up(
    store: Store, key: str, operation: str, channel: str, message_id: int, now: datetime, text: str
) -> None:
    payload = {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
    if operation == "reply":
        payload["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"key": key}}
    with store.transaction() as conn:
        enqueue(
            conn,
            dedup_key=key,
            channel_type="slack",
            destination=channel,
            operation=operation,
            payload=payload,
            now=now,
            message_id=message_id,
        )


def _deliverer(store: Store, slack: FakeSlack, clock: FakeClock, **kw: object) -> Deliverer:
    options: dict[str, object] = {"per_destination_interval": 0.0, "workers": 1, "max_attempts": 8}
    options.update(kw)
    return Deliverer(
        store,
        {"slack": SlackNotifier(TOKEN, base_url=slack.api_url, timeout=5)},
        clock=clock.now,
        sleep=clock.sleep,
        **options,
    )  # type: ignore[arg-type]


def _keys_on_server(slack: FakeSlack) -> Counter[str]:
    return Counter(
        (m.get("metadata") or {}).get("event_payload", {}).get("key") for m in slack.all_messages()
    )


def _states(store: Store) -> dict[str, str]:
    with store.read() as conn:
        items, _ = list_outbox(conn, limit=1000)
    return {i.dedup_key: i.state.value for i in items}


def test_posts_edits_and_replies_arrive_in_order(
    sqlite_store: Store, slack: FakeSlack, clock: FakeClock
) -> None:
    now = clock.now()
    _post(sqlite_store, "m1:post", "#finance-data", now, "first version", message_id=1)
    _follow_up(sqlite_store, "m1:update", "update", "#finance-data", 1, now, "second version")
    _follow_up(sqlite_store, "m1:reply", "reply", "#finance-data", 1, now, "acknowledged by carol")
    report = _deliverer(sqlite_store, slack, clock).run()
    assert report.sent == 3 and report.dead == 0
    [root, reply] = slack.messages("#finance-data")
    assert root["text"] == "second version" and root["edited"] == 1
    assert reply["thread_ts"] == root["ts"] and reply["text"] == "acknowledged by carol"
    assert slack.violations == []


def test_edits_wait_for_their_post(sqlite_store: Store, slack: FakeSlack, clock: FakeClock) -> None:
    now = clock.now()
    _follow_up(sqlite_store, "m1:update", "update", "#ops", 1, now, "edit")
    _post(
        sqlite_store, "m1:post", "#ops", now + timedelta(seconds=30), message_id=1
    )  # queued later, due later
    deliverer = _deliverer(sqlite_store, slack, clock)
    first = deliverer.deliver_due()
    assert (first.sent, first.waiting) == (0, 1) and slack.calls("chat.update") == []
    deliverer.run()
    assert [c.method for c in slack.requests] == ["chat.postMessage", "chat.update"]


def test_429_retry_after_is_honoured_and_costs_no_attempt(sqlite_store: Store, clock: FakeClock) -> None:
    slack = FakeSlack(
        clock=clock.monotonic, wall=lambda: clock.now().timestamp(), per_channel_interval=20.0
    ).start()
    try:
        now = clock.now()
        for i in range(3):
            _post(sqlite_store, f"k{i}", "#growth-data", now)
        _post(sqlite_store, "other", "#finance-data", now)
        report = _deliverer(sqlite_store, slack, clock).deliver_due()  # no client pacing: Slack's 429s steer
        assert (report.sent, report.rate_limited, report.dead) == (4, 2, 0)
        posts = [r for r in slack.calls("chat.postMessage") if r.params["channel"] == "#growth-data"]
        assert [r.status for r in posts] == [200, 429, 200, 429, 200]
        for refused, retried in zip(posts, posts[1:], strict=False):
            if refused.status == 429:
                assert retried.at >= refused.at + 20  # never earlier than Retry-After asked
        with sqlite_store.read() as conn:
            attempts = {i.dedup_key: i.attempts for i in list_outbox(conn)[0]}
        assert attempts == {"k0": 1, "k1": 1, "k2": 1, "other": 1}  # the 429s were not counted
        assert _keys_on_server(slack) == Counter({"k0": 1, "k1": 1, "k2": 1, "other": 1})
    finally:
        slack.stop()


def test_a_long_retry_after_holds_the_channel_durably(sqlite_store: Store, clock: FakeClock) -> None:
    slack = FakeSlack(
        clock=clock.monotonic, wall=lambda: clock.now().timestamp(), per_channel_interval=600.0
    ).start()
    try:
        now = clock.now()
        for i in range(3):
            _post(sqlite_store, f"k{i}", "#growth-data", now)
        first = _deliverer(sqlite_store, slack, clock).deliver_due()
        assert (first.sent, first.rate_limited) == (1, 1)
        with sqlite_store.read() as conn:
            held = {
                i.dedup_key: i.next_attempt_at for i in list_outbox(conn)[0] if i.state == OutboxState.PENDING
            }
        # k1 and everything behind it wait the full ten minutes — also for a worker started later
        assert held == {"k1": now + timedelta(seconds=600), "k2": now + timedelta(seconds=600)}
        assert _deliverer(sqlite_store, slack, clock).deliver_due().sent == 0
        clock.advance(600)
        assert _deliverer(sqlite_store, slack, clock).deliver_due().sent == 1
    finally:
        slack.stop()


def test_an_outage_of_several_minutes_loses_no_alert_and_duplicates_none(
    store: Store, slack: FakeSlack, clock: FakeClock
) -> None:
    """Slack answers 503 for three minutes, then refuses connections for two, then for two more minutes
    posts messages but loses the responses — 7 minutes in all. Every alert arrives exactly once."""
    start = clock.now()
    channels = [f"#team-{i}" for i in range(5)]
    keys = []
    for n in range(40):
        key = f"alert-{n}"
        keys.append(key)
        _post(store, key, channels[n % 5], start + timedelta(seconds=n * 6), message_id=n + 1)
        if n % 4 == 0:  # some incidents are acknowledged during the outage: edit + thread reply
            _follow_up(
                store,
                f"alert-{n}:update",
                "update",
                channels[n % 5],
                n + 1,
                start + timedelta(seconds=n * 6 + 1),
                f"alert-{n} acknowledged",
            )
            _follow_up(
                store,
                f"alert-{n}:reply",
                "reply",
                channels[n % 5],
                n + 1,
                start + timedelta(seconds=n * 6 + 2),
                "acknowledged by carol",
            )
            keys.append(f"alert-{n}:reply")
    slack.outage = 503
    clock.at(start + timedelta(minutes=3), lambda: (setattr(slack, "outage", None), slack.stop()))
    slack_lost = [0]
    clock.at(start + timedelta(minutes=5), lambda: (slack.start(), setattr(slack, "lose_responses", 6)))
    clock.at(
        start + timedelta(minutes=7),
        lambda: (slack_lost.__setitem__(0, 6 - slack.lose_responses), setattr(slack, "lose_responses", 0)),
    )
    deliverer = _deliverer(store, slack, clock, workers=1, backoff=Backoff(base=15, cap=120), max_attempts=12)
    report = deliverer.run(max_seconds=3600)

    on_server = _keys_on_server(slack)
    assert {k: on_server[k] for k in keys} == {k: 1 for k in keys}  # every alert and reply exactly once
    assert len(slack.all_messages()) == len(keys)
    edited = {m["text"] for m in slack.all_messages() if m.get("edited")}
    assert edited == {f"alert-{n} acknowledged" for n in range(0, 40, 4)}
    with store.read() as conn:
        assert outbox_counts(conn) == {"pending": 0, "sending": 0, "sent": 60, "dead": 0}
    answered_503 = sum(1 for r in slack.requests if r.status == 503)
    lost = sum(1 for r in slack.requests if r.status == 200 and r.method == "chat.postMessage") - len(keys)
    refused = sum(1 for e in report.errors if "cannot connect" in e)
    assert answered_503 > 0 and refused > 0 and report.in_doubt > 0 and report.reconciled >= 1
    assert clock.now() - start >= timedelta(minutes=7)
    print(
        f"\noutage ({store.dialect}): {len(keys)} messages (40 alerts, 10 thread replies) + 10 edits; Slack answered 503 "
        f"{answered_503} times, refused {refused} connections, lost {slack_lost[0]} responses after posting; the outbox "
        f"held sends in doubt {report.in_doubt} times, retried {report.retried} certain failures, found {report.reconciled} "
        "already delivered; "
        f"lost 0, duplicated 0; all delivered {(clock.now() - start).total_seconds() / 60:.1f} simulated minutes after the outage began"
    )
    assert lost == 0


def test_a_lost_response_is_checked_not_resent(
    sqlite_store: Store, slack: FakeSlack, clock: FakeClock
) -> None:
    _post(sqlite_store, "only-once", "#finance-data", clock.now())
    slack.lose_responses = 1
    deliverer = _deliverer(sqlite_store, slack, clock)
    first = deliverer.deliver_due()
    assert first.in_doubt == 1 and _states(sqlite_store) == {"only-once": "sending"}
    report = deliverer.run()
    assert report.reconciled == 1 and _states(sqlite_store) == {"only-once": "sent"}
    assert _keys_on_server(slack) == Counter({"only-once": 1})
    assert len(slack.calls("chat.postMessage")) == 1 and len(slack.calls("conversations.history")) == 1


def test_a_worker_that_died_after_claiming_is_replaced_without_a_duplicate(
    sqlite_store: Store, slack: FakeSlack, clock: FakeClock
) -> None:
    now = clock.now()
    _post(sqlite_store, "claimed-then-crashed", "#finance-data", now)
    _post(sqlite_store, "never-claimed", "#finance-data", now)
    with sqlite_store.transaction() as conn:  # a worker claimed the first row and died before sending
        assert claim(conn, 1, now + timedelta(seconds=120))
    deliverer = _deliverer(sqlite_store, slack, clock)
    assert deliverer.deliver_due().sent == 1  # the claimed row is left alone while its lease runs
    clock.advance(121)
    report = deliverer.run()
    assert (report.sent, report.reconciled) == (1, 0)
    assert _keys_on_server(slack) == Counter({"claimed-then-crashed": 1, "never-claimed": 1})


def test_terminal_errors_are_dead_lettered_with_the_reason_and_can_be_requeued(
    sqlite_store: Store, clock: FakeClock
) -> None:
    slack = FakeSlack(
        clock=clock.monotonic, wall=lambda: clock.now().timestamp(), strict_channels=True
    ).start()
    try:
        _post(sqlite_store, "to-nowhere", "#no-such-channel", clock.now())
        report = _deliverer(sqlite_store, slack, clock).run()
        assert report.dead == 1 and len(slack.calls("chat.postMessage")) == 1  # not retried
        with sqlite_store.read() as conn:
            [item] = list_outbox(conn, state=OutboxState.DEAD)[0]
        assert "channel_not_found" in (item.last_error or "") and "check the channel name" in (
            item.last_error or ""
        )
        slack.add_channel("#no-such-channel")
        with sqlite_store.transaction() as conn:
            assert requeue(conn, item.id, clock.now())
        assert _deliverer(sqlite_store, slack, clock).run().sent == 1
    finally:
        slack.stop()


def test_after_max_attempts_a_message_is_dead(
    sqlite_store: Store, slack: FakeSlack, clock: FakeClock
) -> None:
    _post(sqlite_store, "doomed", "#finance-data", clock.now())
    slack.stop()  # connection refused: certainly not delivered, so each try is a plain retry
    report = _deliverer(sqlite_store, slack, clock, max_attempts=3).run()
    assert (report.retried, report.dead) == (2, 1)
    with sqlite_store.read() as conn:
        [item] = list_outbox(conn)[0]
    assert (
        item.state == OutboxState.DEAD
        and item.attempts == 3
        and "gave up after 3 attempts" in (item.last_error or "")
    )


def test_webhooks_retry_failures_but_never_resend_an_unconfirmed_message(
    sqlite_store: Store, slack: FakeSlack, clock: FakeClock
) -> None:
    url = slack.webhook_url("#alerts-hook")
    now = clock.now()
    for key in ("w1", "w2"):
        with sqlite_store.transaction() as conn:
            enqueue(
                conn,
                dedup_key=key,
                channel_type="webhook",
                destination="#alerts-hook",
                operation="post",
                payload={"text": key},
                now=now,
            )
    deliverer = Deliverer(
        sqlite_store,
        {"webhook": SlackWebhookNotifier(url, timeout=5)},
        clock=clock.now,
        sleep=clock.sleep,
        per_destination_interval=0,
    )
    slack.fail_next(2, 500)
    first = deliverer.deliver_due()
    assert first.retried == 1 and slack.messages("#alerts-hook") == []
    slack.lose_responses = 1  # w1 posts, but the response is lost
    report = deliverer.run()
    assert [m["text"] for m in slack.messages("#alerts-hook")] == ["w1", "w2"]
    with sqlite_store.read() as conn:
        items = {i.dedup_key: i for i in list_outbox(conn)[0]}
    assert items["w2"].state == OutboxState.SENT
    assert (
        items["w1"].state == OutboxState.DEAD
        and "unconfirmed" in (items["w1"].last_error or "")
        and report.dead == 1
    )


def test_a_missing_token_leaves_messages_queued(sqlite_store: Store, clock: FakeClock) -> None:
    _post(sqlite_store, "waiting", "#finance-data", clock.now())
    report = Deliverer(sqlite_store, {}, clock=clock.now, sleep=clock.sleep).run()  # returns: nothing here can move it
    assert "no 'slack' notifier configured" in report.errors[0] and _states(sqlite_store) == {
        "waiting": "pending"
    }
