"""The alert outbox: messages waiting to be delivered, being delivered, delivered or given up on.

A row is written in the same transaction as the incident change that caused it, so an alert is never
lost between "the check failed" and "the message is queued". Delivery moves a row through::

    pending ──claim──► sending ──ok──► sent
       ▲                  │
       └── not delivered ─┤ (refused, 429, ok:false that may pass later: back to pending, with backoff)
                          ├─ in doubt (timeout, reset, 5xx, or the worker died): stays ``sending``
                          │  until its lease ends; the next worker asks the receiver whether the
                          │  message arrived before sending it again
                          └─ terminal error, or too many attempts ──► dead (shown in the UI and API)

``dedup_key`` is unique: enqueueing the same key twice is a no-op, which makes every producer
idempotent. Claims are conditional updates, so two workers never send the same row.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, func, select, update

from observer.store.tables import outbox
from observer.store.upsert import upsert


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"


@dataclass(frozen=True)
class OutboxItem:
    id: int
    dedup_key: str
    channel_type: str
    destination: str
    operation: str
    """``post`` (a new message), ``update`` (edit the message's post in place) or ``reply`` (in its thread)."""
    payload: dict[str, Any]
    incident_id: int | None
    message_id: int | None
    state: OutboxState
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    response: dict[str, Any] | None


def _item(row: Any) -> OutboxItem:
    m = row._mapping
    return OutboxItem(
        id=m["id"],
        dedup_key=m["dedup_key"],
        channel_type=m["channel_type"],
        destination=m["destination"],
        operation=m["operation"],
        payload=dict(m["payload"] or {}),
        incident_id=m["incident_id"],
        message_id=m["message_id"],
        state=OutboxState(m["state"]),
        attempts=m["attempts"],
        next_attempt_at=m["next_attempt_at"],
        last_error=m["last_error"],
        created_at=m["created_at"],
        sent_at=m["sent_at"],
        response=dict(m["response"]) if m["response"] is not None else None,
    )


def enqueue(
    conn: Connection,
    *,
    dedup_key: str,
    channel_type: str,
    destination: str,
    operation: str,
    payload: dict[str, Any],
    now: datetime,
    incident_id: int | None = None,
    message_id: int | None = None,
) -> bool:
    """Queue a message unless one with ``dedup_key`` exists; True when a row was added."""
    before = conn.execute(select(outbox.c.id).where(outbox.c.dedup_key == dedup_key)).first()
    if before is not None:
        return False
    upsert(
        conn,
        outbox,
        [
            {
                "dedup_key": dedup_key,
                "channel_type": channel_type,
                "destination": destination,
                "operation": operation,
                "payload": payload,
                "incident_id": incident_id,
                "message_id": message_id,
                "state": OutboxState.PENDING.value,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        ],
        keys=["dedup_key"],
        update=(),
    )
    return True


def get_item(conn: Connection, item_id: int) -> OutboxItem | None:
    row = conn.execute(select(outbox).where(outbox.c.id == item_id)).first()
    return _item(row) if row else None


def get_by_key(conn: Connection, dedup_key: str) -> OutboxItem | None:
    row = conn.execute(select(outbox).where(outbox.c.dedup_key == dedup_key)).first()
    return _item(row) if row else None


def due_items(conn: Connection, now: datetime, limit: int = 500) -> list[OutboxItem]:
    """Pending rows whose time has come, oldest first (the order they must reach a channel in)."""
    rows = conn.execute(
        select(outbox)
        .where(outbox.c.state == OutboxState.PENDING.value, outbox.c.next_attempt_at <= now)
        .order_by(outbox.c.id)
        .limit(limit)
    )
    return [_item(r) for r in rows]


def in_doubt_items(conn: Connection, now: datetime, limit: int = 500) -> list[OutboxItem]:
    """Rows left ``sending`` past their lease: a worker died or a send's outcome is unknown."""
    rows = conn.execute(
        select(outbox)
        .where(outbox.c.state == OutboxState.SENDING.value, outbox.c.next_attempt_at <= now)
        .order_by(outbox.c.id)
        .limit(limit)
    )
    return [_item(r) for r in rows]


def claim(conn: Connection, item_id: int, lease_until: datetime) -> bool:
    """Take a pending row for sending (counts one attempt). False when another worker has it."""
    result = conn.execute(
        update(outbox)
        .where(outbox.c.id == item_id, outbox.c.state == OutboxState.PENDING.value)
        .values(state=OutboxState.SENDING.value, attempts=outbox.c.attempts + 1, next_attempt_at=lease_until)
    )
    return result.rowcount == 1


def take_in_doubt(conn: Connection, item_id: int, seen_next_attempt: datetime, lease_until: datetime) -> bool:
    """Take an in-doubt row for reconciliation (counts one attempt), unless someone else just did."""
    result = conn.execute(
        update(outbox)
        .where(
            outbox.c.id == item_id,
            outbox.c.state == OutboxState.SENDING.value,
            outbox.c.next_attempt_at == seen_next_attempt,
        )
        .values(attempts=outbox.c.attempts + 1, next_attempt_at=lease_until)
    )
    return result.rowcount == 1


def mark_sent(conn: Connection, item_id: int, now: datetime, response: dict[str, Any]) -> None:
    conn.execute(
        update(outbox)
        .where(outbox.c.id == item_id)
        .values(state=OutboxState.SENT.value, sent_at=now, response=response, last_error=None)
    )


def release(
    conn: Connection,
    item_id: int,
    next_attempt_at: datetime,
    error: str | None,
    *,
    refund_attempt: bool = False,
) -> None:
    """Back to pending: the message certainly did not arrive. ``refund_attempt`` for rate limits and
    waits that are not failures of the message itself."""
    values: dict[str, Any] = {
        "state": OutboxState.PENDING.value,
        "next_attempt_at": next_attempt_at,
        "last_error": error,
    }
    if refund_attempt:
        values["attempts"] = case((outbox.c.attempts > 0, outbox.c.attempts - 1), else_=0)
    conn.execute(update(outbox).where(outbox.c.id == item_id).values(**values))


def hold_in_doubt(conn: Connection, item_id: int, until: datetime, error: str) -> None:
    """Keep a row ``sending`` (outcome unknown) and look at it again at ``until``."""
    conn.execute(
        update(outbox)
        .where(outbox.c.id == item_id)
        .values(state=OutboxState.SENDING.value, next_attempt_at=until, last_error=error)
    )


def mark_dead(conn: Connection, item_id: int, now: datetime, error: str) -> None:
    conn.execute(
        update(outbox)
        .where(outbox.c.id == item_id)
        .values(state=OutboxState.DEAD.value, next_attempt_at=now, last_error=error)
    )


def postpone_destination(conn: Connection, channel_type: str, destination: str, until: datetime) -> int:
    """Push every pending row of one destination to ``until`` (after a 429 for that channel)."""
    result = conn.execute(
        update(outbox)
        .where(
            outbox.c.channel_type == channel_type,
            outbox.c.destination == destination,
            outbox.c.state == OutboxState.PENDING.value,
            outbox.c.next_attempt_at < until,
        )
        .values(next_attempt_at=until)
    )
    return int(result.rowcount or 0)


def rewrite_pending(conn: Connection, item_id: int, payload: dict[str, Any]) -> bool:
    """Replace the payload of a row nobody has claimed yet; False once it is being (or was) sent."""
    result = conn.execute(
        update(outbox)
        .where(outbox.c.id == item_id, outbox.c.state == OutboxState.PENDING.value)
        .values(payload=payload)
    )
    return result.rowcount == 1


def message_rows(conn: Connection, message_id: int) -> list[OutboxItem]:
    """Every row of one alert message (its post, updates and replies), oldest first."""
    rows = conn.execute(select(outbox).where(outbox.c.message_id == message_id).order_by(outbox.c.id))
    return [_item(r) for r in rows]


def known_channel_id(conn: Connection, channel_type: str, destination: str) -> str | None:
    """The receiver's id for a channel name, learnt from an earlier successful post to it."""
    rows = conn.execute(
        select(outbox.c.response)
        .where(
            outbox.c.channel_type == channel_type,
            outbox.c.destination == destination,
            outbox.c.state == OutboxState.SENT.value,
            outbox.c.operation == "post",
        )
        .order_by(outbox.c.id.desc())
        .limit(5)
    )
    for (response,) in rows:
        if response and response.get("channel"):
            return str(response["channel"])
    return None


def list_outbox(
    conn: Connection, *, state: OutboxState | str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[OutboxItem], int]:
    """A page of the outbox, newest first, with the total count (for the UI's dead-letter list)."""
    query = select(outbox)
    count = select(func.count()).select_from(outbox)
    if state is not None:
        query = query.where(outbox.c.state == str(state))
        count = count.where(outbox.c.state == str(state))
    rows = conn.execute(query.order_by(outbox.c.id.desc()).limit(limit).offset(offset))
    return [_item(r) for r in rows], int(conn.execute(count).scalar_one())


def outbox_counts(conn: Connection) -> dict[str, int]:
    """Number of rows per state (every state present, zero when empty)."""
    counts = {s.value: 0 for s in OutboxState}
    for state, n in conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state)):
        counts[state] = int(n)
    return counts


def requeue(conn: Connection, item_id: int, now: datetime) -> bool:
    """Give a dead row a fresh set of attempts (an operator's decision, from the UI, API or CLI)."""
    result = conn.execute(
        update(outbox)
        .where(outbox.c.id == item_id, outbox.c.state == OutboxState.DEAD.value)
        .values(state=OutboxState.PENDING.value, attempts=0, next_attempt_at=now)
    )
    if result.rowcount != 1:
        return False
    item = get_item(conn, item_id)
    if item is not None and item.operation == "post" and item.message_id is not None:
        requeue_message_dependents(conn, item.message_id, now)
    return True


def next_attempt_time(conn: Connection) -> datetime | None:
    """When the next pending or in-doubt row becomes due (``None`` when nothing is waiting)."""
    return conn.execute(
        select(func.min(outbox.c.next_attempt_at)).where(
            outbox.c.state.in_([OutboxState.PENDING.value, OutboxState.SENDING.value])
        )
    ).scalar_one_or_none()


def requeue_message_dependents(conn: Connection, message_id: int, now: datetime) -> int:
    """Requeue the dead updates and replies of a message whose post has just been requeued."""
    result = conn.execute(
        update(outbox)
        .where(
            outbox.c.message_id == message_id,
            outbox.c.operation.in_(["update", "reply"]),
            outbox.c.state == OutboxState.DEAD.value,
        )
        .values(state=OutboxState.PENDING.value, attempts=0, next_attempt_at=now)
    )
    return int(result.rowcount or 0)
