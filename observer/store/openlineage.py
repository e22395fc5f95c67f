"""OpenLineage events in the store: each event kept once (by hash), and what it says applied.

:func:`ingest_event` is shared by the HTTP receiver (``POST /api/v1/lineage``) and the
``type: openlineage`` collector (``events_file:``), so an event means the same whichever way it
arrives. A duplicate event (same canonical JSON) changes nothing; START and COMPLETE events of one
run fold into one run whatever order they arrive in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from observer.openlineage import ParsedEvent, event_hash, merge_runs, parse_run_event
from observer.store.assets import asset_ids, upsert_assets
from observer.store.declared_owners import set_declared_claim
from observer.store.lineage import add_edges
from observer.store.runs import get_run, upsert_runs
from observer.store.tables import openlineage_events
from observer.store.upsert import upsert


@dataclass(frozen=True)
class EventOutcome:
    event_hash: str
    duplicate: bool
    parsed: ParsedEvent
    rows_written: int = 0


def ingest_event(conn: Connection, event: Any, now: datetime, *, source: str = "openlineage") -> EventOutcome:
    """Validate (raising :class:`~observer.errors.InputError` naming the field), store and apply one event."""
    parsed = parse_run_event(event, source=source)
    digest = event_hash(event)
    if conn.execute(select(openlineage_events.c.event_hash).where(openlineage_events.c.event_hash == digest)).first():
        return EventOutcome(digest, True, parsed)
    upsert(
        conn,
        openlineage_events,
        [{
            "event_hash": digest,
            "run_id": parsed.run.run_id,
            "event_type": parsed.event_type,
            "event_time": parsed.event_time,
            "job_namespace": parsed.job_namespace[:512],
            "job_name": parsed.job_name[:512],
            "producer": parsed.producer[:1024],
            "payload": event,
            "received_at": now,
        }],
        keys=["event_hash"],
        update=(),
    )
    known = asset_ids(conn, [a.key for a in parsed.assets])
    # Another source (dbt, the warehouse) describing an asset keeps its name on it.
    assets = [replace(a, source=None) if a.key in known else a for a in parsed.assets]
    written = 1 + upsert_assets(conn, assets, now)
    written += add_edges(conn, parsed.edges, parsed.event_time)
    for claim in parsed.claims:
        written += set_declared_claim(conn, claim, now, parsed.owner_hints.get(claim.asset, ()))
    stored = get_run(conn, parsed.run.source, parsed.run.run_id)
    run = merge_runs(stored, parsed.run) if stored else parsed.run
    written += upsert_runs(conn, [run])
    return EventOutcome(digest, False, parsed, written)


def count_events(conn: Connection) -> int:
    from sqlalchemy import func

    return int(conn.execute(select(func.count()).select_from(openlineage_events)).scalar_one())
