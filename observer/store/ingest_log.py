"""The record of every collector run: counts, status and the bad rows it reported."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from observer.plugins import IngestReport
from observer.store.tables import ingest_errors, ingest_runs


@dataclass(frozen=True)
class IngestRun:
    id: int
    source: str
    collector: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    rows_read: int
    rows_written: int
    rows_bad: int
    message: str | None


def start_run(conn: Connection, source: str, collector: str, now: datetime) -> int:
    result = conn.execute(
        insert(ingest_runs).values(source=source, collector=collector, started_at=now, status="running")
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def finish_run(
    conn: Connection, run_id: int, report: IngestReport, now: datetime, *, failed: str | None = None
) -> None:
    status = "failed" if failed else ("partial" if report.rows_bad else "ok")
    conn.execute(
        update(ingest_runs)
        .where(ingest_runs.c.id == run_id)
        .values(
            finished_at=now,
            status=status,
            rows_read=report.rows_read,
            rows_written=report.rows_written,
            rows_bad=report.rows_bad,
            message=failed,
        )
    )
    if report.errors:
        conn.execute(
            insert(ingest_errors),
            [{"ingest_run_id": run_id, **_split(e)} for e in report.errors],
        )


def _split(error: str) -> dict[str, str | None]:
    location, sep, message = error.partition(": ")
    if not sep:
        return {"location": None, "field": None, "message": error}
    field = None
    if location.endswith("]") and " [" in location:
        location, _, field = location[:-1].partition(" [")
    return {"location": location, "field": field, "message": message}


def recent_runs(conn: Connection, limit: int = 50) -> list[IngestRun]:
    rows = conn.execute(select(ingest_runs).order_by(ingest_runs.c.id.desc()).limit(limit))
    return [IngestRun(**r._mapping) for r in rows]


def run_errors(conn: Connection, run_id: int, limit: int = 500) -> list[tuple[str | None, str | None, str]]:
    rows = conn.execute(
        select(ingest_errors.c.location, ingest_errors.c.field, ingest_errors.c.message)
        .where(ingest_errors.c.ingest_run_id == run_id)
        .order_by(ingest_errors.c.id)
        .limit(limit)
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]
