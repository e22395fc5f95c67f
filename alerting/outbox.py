"""Durable delivery: the outbox drained through notifiers, with retries, pacing and no duplicates.

One pass (:meth:`Deliverer.deliver_due`) takes every due row and sends it through the notifier of its
``channel_type``. Rows of one destination go in order, paced to ``per_destination_interval`` (Slack
allows about one message per second per channel); destinations are served in parallel lanes.

Never twice — the row is *claimed* (``sending``, attempts + 1, a lease) and committed before the
network call, and marked ``sent`` after it. If the process dies in between, or the call ends in a
way that leaves the outcome unknown (timeout, reset, 5xx), the row stays ``sending``. When its lease
ends, the next pass asks the receiver whether the message arrived — every post carries its
``dedup_key`` in Slack message metadata, found again with ``conversations.history`` — and marks it
sent if so, or sends it if not. A receiver that cannot be asked (incoming webhooks) gets
*at most once*: the row goes to dead letters marked "unconfirmed" instead of being sent again.
Edits (``chat.update``) are idempotent and simply sent again.

Never lost — failures that certainly did not deliver (connection refused, 429, a transient
``ok: false``) go back to pending with exponential backoff; HTTP 429 ``Retry-After`` holds the whole
destination for that long and does not count as an attempt. After ``max_attempts`` a row is *dead*:
kept, shown in the UI and API, and requeued by a person. Updates and replies wait for their
message's post; a reply whose post is dead is posted on its own.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, TextIO

from observer import plugins
from observer.config import Settings
from observer.errors import ConfigError, DeliveryError, TerminalDeliveryError, TransientDeliveryError
from observer.plugins import Notifier
from observer.store import Store
from observer.store import outbox as store
from observer.store.outbox import OutboxItem, OutboxState

Clock = Callable[[], datetime]
Sleep = Callable[[float], None]

PARENT_WAIT = timedelta(seconds=5)
UNCONFIRMED = (
    "delivery unconfirmed: sending was interrupted and this channel cannot be asked whether the message "
    "arrived, so it was not sent again (to avoid a duplicate); requeue it if it is missing"
)


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with a deterministic ±10% spread (so retries of many rows do not align)."""

    base: float = 15.0
    factor: float = 2.0
    cap: float = 900.0

    def delay(self, attempts: int, key: str = "") -> float:
        raw = min(self.cap, self.base * self.factor ** max(0, attempts - 1))
        spread = int(hashlib.sha256(f"{key}:{attempts}".encode()).hexdigest()[:4], 16) / 0xFFFF
        return raw * (0.9 + 0.2 * spread)


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    """Certainly not delivered; scheduled again with backoff."""
    rate_limited: int = 0
    in_doubt: int = 0
    """Outcome unknown; will be checked with the receiver before any resend."""
    reconciled: int = 0
    """Found already delivered when checked after a doubt: marked sent, not sent again."""
    dead: int = 0
    waiting: int = 0
    """Updates and replies whose post has not gone out yet."""
    errors: list[str] = field(default_factory=list)

    def merge(self, other: DeliveryReport) -> None:
        for f in fields(self):
            if f.name == "errors":
                self.errors.extend(other.errors[: max(0, 200 - len(self.errors))])
            else:
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def note(self, item: OutboxItem, message: str) -> None:
        if len(self.errors) < 200:
            self.errors.append(
                f"#{item.id} {item.channel_type}:{item.destination} {item.operation}: {message}"
            )


class Deliverer:
    """Drains the outbox. Pass ``clock`` and ``sleep`` to run it on simulated time in tests.

    ``per_destination_interval`` paces each channel (Slack: about one message per second per
    channel); ``inline_wait`` is the longest ``Retry-After`` a lane sleeps through before giving the
    channel back to the next pass; ``workers`` channels are served at once.
    """

    def __init__(
        self,
        store_: Store,
        notifiers: Mapping[str, Notifier],
        *,
        clock: Clock,
        sleep: Sleep = time.sleep,
        max_attempts: int = 8,
        backoff: Backoff = Backoff(),
        lease: timedelta = timedelta(seconds=120),
        per_destination_interval: float = 1.0,
        inline_wait: float = 30.0,
        workers: int = 8,
        batch: int = 1000,
    ) -> None:
        self.store = store_
        self.notifiers = dict(notifiers)
        self.clock, self.sleep = clock, sleep
        self.max_attempts, self.backoff, self.lease = max_attempts, backoff, lease
        self.interval = per_destination_interval
        self.inline_wait = inline_wait
        self.workers, self.batch = max(1, workers), batch
        self._hold: dict[tuple[str, str], datetime] = {}
        self._next_free: dict[tuple[str, str], datetime] = {}
        self._lock = threading.Lock()

    # ── passes ──────────────────────────────────────────────────────────────────────────────────────

    def deliver_due(self) -> DeliveryReport:
        """One pass over everything due now; returns what happened."""
        now = self.clock()
        with self.store.read() as conn:
            rows = store.in_doubt_items(conn, now, self.batch) + store.due_items(conn, now, self.batch)
        lanes: dict[tuple[str, str], list[OutboxItem]] = defaultdict(list)
        for row in sorted(rows, key=lambda r: r.id):
            lanes[(row.channel_type, row.destination)].append(row)
        report = DeliveryReport()
        if len(lanes) <= 1 or self.workers == 1:
            for lane, items in lanes.items():
                report.merge(self._lane(lane, items))
            return report
        with ThreadPoolExecutor(
            max_workers=min(self.workers, len(lanes)), thread_name_prefix="outbox"
        ) as pool:
            for part in pool.map(lambda kv: self._lane(*kv), list(lanes.items())):
                report.merge(part)
        return report

    def run(
        self,
        *,
        until_idle: bool = True,
        max_seconds: float | None = None,
        poll: float = 5.0,
        stop: threading.Event | None = None,
    ) -> DeliveryReport:
        """Pass after pass, sleeping until the next row is due; stops when idle (or told to).

        *Idle* means nothing is waiting — or what is waiting is due and this deliverer cannot move it
        (its channel type has no notifier here, another worker holds it).
        """
        total = DeliveryReport()
        started = self.clock()
        while True:
            report = self.deliver_due()
            total.merge(report)
            with self.store.read() as conn:
                upcoming = store.next_attempt_time(conn)
            now = self.clock()
            stuck = upcoming is not None and upcoming <= now and not _moved(report)
            if until_idle and (upcoming is None or stuck):
                return total
            wait = poll if upcoming is None or stuck else max(0.0, (upcoming - now).total_seconds())
            elapsed = (now - started).total_seconds()
            if max_seconds is not None and elapsed + wait > max_seconds:
                return total
            if stop is not None:
                if stop.wait(min(wait, poll)):
                    return total
            elif wait > 0:
                self.sleep(min(wait, poll) if not until_idle else wait)

    # ── one destination ─────────────────────────────────────────────────────────────────────────────

    def _lane(self, lane: tuple[str, str], items: list[OutboxItem]) -> DeliveryReport:
        report = DeliveryReport()
        notifier = self.notifiers.get(lane[0])
        if notifier is None:
            # Not configured in this process (no token, say): leave the rows queued for one that is.
            report.note(items[0], f"no {lane[0]!r} notifier configured; {len(items)} message(s) left queued")
            return report
        queue = list(items)
        while queue:
            item = queue[0]
            hold = self._hold.get(lane)
            if hold is not None and hold > self.clock():
                wait = (hold - self.clock()).total_seconds()
                if wait > self.inline_wait:
                    break
                # A short Retry-After: wait for this channel only, then carry on where it stopped.
                self.sleep(wait)
                with self.store.read() as conn:
                    fresh = store.get_item(conn, item.id)
                if fresh is None or fresh.state not in (OutboxState.PENDING, OutboxState.SENDING):
                    queue.pop(0)
                    continue
                queue[0] = item = fresh
            go_on = (
                self._reconcile(notifier, item, report)
                if item.state == OutboxState.SENDING
                else self._send(notifier, item, report)
            )
            if go_on:
                queue.pop(0)
                continue
            hold = self._hold.get(lane)
            if hold is None or hold <= self.clock():
                break  # a failure, not a rate limit: the channel waits for its backoff
        return report

    def _pace(self, lane: tuple[str, str]) -> None:
        """Keep to ``per_destination_interval`` between sends to one channel (plus 2%, as the
        receiver's clock and ours never tick exactly together)."""
        free = self._next_free.get(lane)
        if free is not None:
            wait = (free - self.clock()).total_seconds()
            if wait > 0:
                self.sleep(wait)
        self._next_free[lane] = self.clock() + timedelta(seconds=self.interval * 1.02)

    def _target(self, item: OutboxItem, report: DeliveryReport) -> tuple[str, dict[str, Any]] | None | bool:
        """Destination and payload to send; None to wait for the post; False when given up."""
        payload = dict(item.payload)
        if item.operation == "post":
            return item.destination, payload
        with self.store.read() as conn:
            post = (
                next((r for r in store.message_rows(conn, item.message_id) if r.operation == "post"), None)
                if item.message_id
                else None
            )
            channel_id = store.known_channel_id(conn, item.channel_type, item.destination)
        if post is None or post.state == OutboxState.DEAD:
            if item.operation == "reply":
                payload.pop("thread_ts", None)
                return item.destination, payload
            return False
        if post.state != OutboxState.SENT or not post.response:
            return None
        channel = str(post.response.get("channel") or channel_id or item.destination)
        ts = post.response.get("ts")
        if item.operation == "update":
            payload.update(channel=channel, ts=ts)
        else:
            payload.update(thread_ts=ts)
        return channel, payload

    def _send(self, notifier: Notifier, item: OutboxItem, report: DeliveryReport) -> bool:
        lane = (item.channel_type, item.destination)
        target = self._target(item, report)
        if target is None:
            with self.store.transaction() as conn:
                store.release(conn, item.id, self.clock() + PARENT_WAIT, "waiting for the message's post")
            report.waiting += 1
            return True
        if target is False:
            self._dead_now(
                item, "the message's post was never delivered (requeue the post to send this too)", report
            )
            return True
        assert isinstance(target, tuple)
        destination, payload = target
        now = self.clock()
        with self.store.transaction() as conn:
            if not store.claim(conn, item.id, now + self.lease + timedelta(seconds=self.interval)):
                return True  # another worker has it
        attempts = item.attempts + 1
        self._pace(lane)  # right before the call, so the store's own delays do not shorten the gap
        try:
            response = notifier.send(destination, item.operation, payload)
        except TransientDeliveryError as exc:
            return self._transient(item, attempts, exc, report)
        except TerminalDeliveryError as exc:
            self._dead_now(item, str(exc), report)
            return True
        except Exception as exc:  # noqa: BLE001 - an unexpected failure mid-send: treat as in doubt
            return self._transient(
                item, attempts, TransientDeliveryError(f"{type(exc).__name__}: {exc}", in_doubt=True), report
            )
        with self.store.transaction() as conn:
            store.mark_sent(conn, item.id, self.clock(), dict(response))
        report.sent += 1
        return True

    def _transient(
        self, item: OutboxItem, attempts: int, exc: TransientDeliveryError, report: DeliveryReport
    ) -> bool:
        lane = (item.channel_type, item.destination)
        now = self.clock()
        with self.store.transaction() as conn:
            if exc.retry_after is not None:
                until = now + timedelta(seconds=max(0.0, exc.retry_after))
                store.release(
                    conn,
                    item.id,
                    until,
                    f"rate limited: retry after {exc.retry_after:g}s",
                    refund_attempt=True,
                )
                store.postpone_destination(conn, item.channel_type, item.destination, until)
                self._hold[lane] = until
                report.rate_limited += 1
                return False
            delay = timedelta(seconds=self.backoff.delay(attempts, item.dedup_key))
            if exc.in_doubt and item.operation != "update":
                store.hold_in_doubt(conn, item.id, now + delay, str(exc))
                report.in_doubt += 1
            elif attempts >= self.max_attempts:
                store.mark_dead(conn, item.id, now, f"gave up after {attempts} attempts: {exc}")
                report.dead += 1
                delay = timedelta(0)
            else:
                store.release(conn, item.id, now + delay, str(exc))
                report.retried += 1
            # Later messages of this channel wait too: they keep their order and do not hammer a
            # receiver that is failing.
            if delay:
                store.postpone_destination(conn, item.channel_type, item.destination, now + delay)
        report.note(item, str(exc))
        return False

    def _reconcile(self, notifier: Notifier, item: OutboxItem, report: DeliveryReport) -> bool:
        """A row left ``sending``: find out whether it arrived before doing anything else."""
        now = self.clock()
        with self.store.transaction() as conn:
            if not store.take_in_doubt(conn, item.id, item.next_attempt_at, now + self.lease):
                return True
        attempts = item.attempts + 1
        if item.operation == "update":
            with self.store.transaction() as conn:
                store.release(conn, item.id, now, "edit in doubt; sent again (edits are idempotent)")
            return self._send(notifier, _pending(item, attempts), report)
        finder = getattr(notifier, "find_delivered", None)
        if finder is None:
            self._dead_now(item, UNCONFIRMED, report)
            return True
        target = self._target(item, report)
        destination, payload = target if isinstance(target, tuple) else (item.destination, dict(item.payload))
        with self.store.read() as conn:
            channel_id = store.known_channel_id(conn, item.channel_type, item.destination)
        try:
            found = finder(destination, item.operation, payload, item.dedup_key, item.created_at, channel_id)
        except TransientDeliveryError as exc:
            with self.store.transaction() as conn:
                if attempts >= self.max_attempts:
                    store.mark_dead(
                        conn, item.id, now, f"delivery unconfirmed after {attempts} attempts: {exc}"
                    )
                    report.dead += 1
                else:
                    until = now + timedelta(seconds=self.backoff.delay(attempts, item.dedup_key))
                    store.hold_in_doubt(conn, item.id, until, str(exc))
                    store.postpone_destination(conn, item.channel_type, item.destination, until)
                    report.in_doubt += 1
            report.note(item, f"could not check delivery: {exc}")
            return False
        except DeliveryError as exc:
            self._dead_now(item, f"could not check whether it arrived: {exc}", report)
            return True
        if found is not None:
            with self.store.transaction() as conn:
                store.mark_sent(conn, item.id, self.clock(), {**dict(found), "reconciled": True})
            report.reconciled += 1
            return True
        if attempts >= self.max_attempts:
            self._dead_now(item, f"gave up after {attempts} attempts: {item.last_error}", report)
            return True
        with self.store.transaction() as conn:
            store.release(conn, item.id, now, f"not delivered ({item.last_error}); sending again")
        return self._send(notifier, _pending(item, attempts), report)

    def _dead_now(self, item: OutboxItem, reason: str, report: DeliveryReport) -> None:
        with self.store.transaction() as conn:
            store.mark_dead(conn, item.id, self.clock(), reason)
        report.dead += 1
        report.note(item, reason)


def _moved(report: DeliveryReport) -> bool:
    """Whether a pass changed anything (a pass that did not, and has rows due, cannot move them)."""
    return any(
        (
            report.sent,
            report.retried,
            report.rate_limited,
            report.in_doubt,
            report.reconciled,
            report.dead,
            report.waiting,
        )
    )


def _pending(item: OutboxItem, attempts: int) -> OutboxItem:
    from dataclasses import replace

    return replace(item, state=OutboxState.PENDING, attempts=attempts)


def build_notifiers(
    settings: Settings, *, dry_run: bool = False, stream: TextIO | None = None
) -> dict[str, Notifier]:
    """One notifier per configured channel type, found through the ``observer.notifiers`` entry points.

    A notifier whose settings are missing (no token, no webhook URL) is left out, so its rows stay
    queued. With ``dry_run`` every channel type prints to the console instead.
    """
    from alerting.console.notifier import ConsoleNotifier

    if dry_run:
        console = ConsoleNotifier(stream)
        return {name: console for name in set(plugins.notifiers.names()) | {"slack", "webhook", "console"}}
    out: dict[str, Notifier] = {}
    for name in plugins.notifiers.names():
        cls: Any = plugins.notifiers.get(name)
        try:
            out[name] = cls.from_settings(settings) if hasattr(cls, "from_settings") else cls()
        except ConfigError:
            continue
    return out
