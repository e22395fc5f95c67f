"""Per-source watermarks: where the next incremental run of a collector resumes.

A collector commits its rows and its new watermark in the same transaction, so a crash leaves the
watermark at the last committed batch and the next run re-reads at most one batch (which the
idempotent upserts absorb).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from observer.store.tables import watermarks
from observer.store.upsert import upsert


def get_watermark(conn: Connection, source: str, stream: str = "default") -> str | None:
    row = conn.execute(
        select(watermarks.c.value).where(watermarks.c.source == source, watermarks.c.stream == stream)
    ).first()
    return row[0] if row else None


def set_watermark(conn: Connection, source: str, value: str, now: datetime, stream: str = "default") -> None:
    """Record where ``source``/``stream`` resumes; an unchanged value is not rewritten (re-runs change nothing)."""
    if get_watermark(conn, source, stream) == value:
        return
    upsert(
        conn,
        watermarks,
        [{"source": source, "stream": stream, "value": value, "updated_at": now}],
        keys=["source", "stream"],
    )


def all_watermarks(conn: Connection) -> list[tuple[str, str, str, datetime]]:
    rows = conn.execute(
        select(watermarks.c.source, watermarks.c.stream, watermarks.c.value, watermarks.c.updated_at).order_by(
            watermarks.c.source, watermarks.c.stream
        )
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]
