"""Paged, filtered lists for the catalog pages and ``/api/v1``: runs, query fingerprints, spend.

The write-side repositories answer the questions their pipelines ask; these answer the ones a
person browsing asks ("which runs failed today?", "which query shapes could not be parsed?",
"what did each team spend per month?"), always with the total count so pages can page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, or_, select

from observer.model import AssetKey, RunRecord
from observer.store.ingest_log import IngestRun
from observer.store.runs import to_run
from observer.store.tables import cost_lines, fingerprints, ingest_runs, queries, runs

_CHUNK = 500


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def list_runs(
    conn: Connection,
    *,
    status: str | None = None,
    orchestrator: str | None = None,
    job: str | None = None,
    asset: AssetKey | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[RunRecord], int]:
    """Runs newest first (by start time), with the number matching the filters."""
    conds: list[Any] = []
    if status:
        conds.append(runs.c.status == status)
    if orchestrator:
        conds.append(runs.c.orchestrator == orchestrator)
    if job:
        conds.append(runs.c.job == job)
    if asset is not None:
        conds.append(runs.c.asset_key == str(asset))
    total = conn.execute(select(func.count()).select_from(runs).where(*conds)).scalar_one()
    stmt = (
        select(runs)
        .where(*conds)
        .order_by(runs.c.start_time.desc().nulls_last(), runs.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [to_run(r) for r in conn.execute(stmt)], int(total)


def run_facets(conn: Connection) -> dict[str, list[str]]:
    """The distinct statuses and orchestrators present, for filter menus."""
    return {
        "status": [r[0] for r in conn.execute(select(runs.c.status).distinct().order_by(runs.c.status))],
        "orchestrator": [r[0] for r in conn.execute(select(runs.c.orchestrator).distinct().order_by(runs.c.orchestrator))],
    }


@dataclass(frozen=True)
class FingerprintRow:
    fingerprint: str
    dialect: str | None
    statement_type: str | None
    sample_sql: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    column_lineage: tuple[tuple[str, ...], ...]
    parse_error: str | None
    parse_ms: float | None
    first_seen: datetime | None
    last_seen: datetime | None
    occurrences: int
    cost_usd: float | None = None
    """Spend attributed to queries of this shape (all months), when cost lines exist."""


def _fingerprint(r: Any, cost: float | None = None) -> FingerprintRow:
    return FingerprintRow(
        r.fingerprint,
        r.dialect,
        r.statement_type,
        r.sample_sql,
        tuple(r.sources or ()),
        tuple(r.targets or ()),
        tuple(tuple(p) for p in r.column_lineage or ()),
        r.parse_error,
        r.parse_ms,
        r.first_seen,
        r.last_seen,
        int(r.occurrences or 0),
        cost,
    )


def _costs_of(conn: Connection, fps: Sequence[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for start in range(0, len(fps), _CHUNK):
        stmt = (
            select(cost_lines.c.fingerprint, func.sum(cost_lines.c.cost_usd))
            .where(cost_lines.c.fingerprint.in_(list(fps[start : start + _CHUNK])))
            .group_by(cost_lines.c.fingerprint)
        )
        out.update({fp: float(usd or 0.0) for fp, usd in conn.execute(stmt)})
    return out


def list_fingerprints(
    conn: Connection,
    *,
    failed: bool | None = None,
    dialect: str | None = None,
    text: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[FingerprintRow], int]:
    """Query shapes, most frequent first. ``failed=True`` lists only those whose SQL did not parse."""
    c = fingerprints.c
    conds: list[Any] = []
    if failed is True:
        conds.append(c.parse_error.is_not(None))
    elif failed is False:
        conds.append(c.parse_error.is_(None))
    if dialect:
        conds.append(c.dialect == dialect)
    if text:
        like = _like(text)
        conds.append(
            or_(func.lower(c.sample_sql).like(like, escape="\\"), func.lower(c.parse_error).like(like, escape="\\"))
        )
    total = conn.execute(select(func.count()).select_from(fingerprints).where(*conds)).scalar_one()
    stmt = select(fingerprints).where(*conds).order_by(c.occurrences.desc(), c.fingerprint).limit(limit).offset(offset)
    rows = conn.execute(stmt).all()
    costs = _costs_of(conn, [r.fingerprint for r in rows])
    return [_fingerprint(r, costs.get(r.fingerprint)) for r in rows], int(total)


def fingerprint_counts(conn: Connection) -> tuple[int, int]:
    """(all stored fingerprints, those whose SQL did not parse)."""
    c = fingerprints.c
    row = conn.execute(select(func.count(), func.count(c.parse_error)).select_from(fingerprints)).one()
    return int(row[0]), int(row[1])


def get_fingerprint(conn: Connection, fingerprint: str) -> FingerprintRow | None:
    row = conn.execute(select(fingerprints).where(fingerprints.c.fingerprint == fingerprint)).first()
    if row is None:
        return None
    return _fingerprint(row, _costs_of(conn, [fingerprint]).get(fingerprint))


@dataclass(frozen=True)
class QueryRow:
    source: str
    query_id: str
    start_time: datetime
    user_name: str | None
    warehouse: str | None
    status: str
    execution_ms: float
    asset_key: str | None
    owner: str | None
    team: str | None
    attribution_rule: str | None
    attribution_reason: str | None
    cost_usd: float | None


def queries_of_fingerprint(conn: Connection, fingerprint: str, limit: int = 20) -> list[QueryRow]:
    """The latest executions of one query shape, with what each cost and who it was attributed to."""
    q = queries.c
    rows = conn.execute(
        select(
            q.source, q.query_id, q.start_time, q.user_name, q.warehouse, q.status, q.execution_ms, q.asset_key,
            q.owner, q.team, q.attribution_rule, q.attribution_reason,
        )
        .where(q.fingerprint == fingerprint)
        .order_by(q.start_time.desc())
        .limit(limit)
    ).all()
    costs: dict[tuple[str, str], float] = {}
    ids = [r.query_id for r in rows]
    if ids:
        stmt = (
            select(cost_lines.c.source, cost_lines.c.query_id, func.sum(cost_lines.c.cost_usd))
            .where(cost_lines.c.query_id.in_(ids))
            .group_by(cost_lines.c.source, cost_lines.c.query_id)
        )
        costs = {(s, qid): float(usd or 0.0) for s, qid, usd in conn.execute(stmt)}
    return [QueryRow(*r, costs.get((r.source, r.query_id))) for r in rows]  # type: ignore[call-arg, arg-type]


def recent_months(now: datetime, count: int = 12) -> list[str]:
    """``YYYY-MM`` of the ``count`` months up to and including ``now``'s, oldest first.

    Passing these to :func:`spend_by_month` lets the store use its ``(month, team)`` and
    ``(month, asset_key)`` indexes instead of reading every cost line.
    """
    year, month = now.year, now.month
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


@dataclass(frozen=True)
class MonthSpend:
    month: str
    key: str | None
    cost_usd: float
    credits: float


def spend_by_month(
    conn: Connection, by: str, *, value: str | None = None, months: Sequence[str] | None = None
) -> list[MonthSpend]:
    """Spend per month and ``by`` (``team``, ``owner``, ``asset_key`` or ``warehouse``), oldest month first.

    With ``value``, only that team/owner/asset/warehouse. Lines with no value are keyed ``None``.
    """
    column = {"team": cost_lines.c.team, "owner": cost_lines.c.owner, "asset_key": cost_lines.c.asset_key,
              "warehouse": cost_lines.c.warehouse}[by]
    conds: list[Any] = []
    if value is not None:
        conds.append(column == value)
    if months:
        conds.append(cost_lines.c.month.in_(list(months)))
    stmt = (
        select(cost_lines.c.month, column, func.sum(cost_lines.c.cost_usd), func.sum(cost_lines.c.credits))
        .where(*conds)
        .group_by(cost_lines.c.month, column)
        .order_by(cost_lines.c.month, column)
    )
    return [MonthSpend(m, k, float(usd or 0.0), float(cr or 0.0)) for m, k, usd, cr in conn.execute(stmt)]


def get_ingest_run(conn: Connection, run_id: int) -> IngestRun | None:
    """One collector run from the ingest log."""
    row = conn.execute(select(ingest_runs).where(ingest_runs.c.id == run_id)).first()
    return IngestRun(**row._mapping) if row else None


def cost_lines_version(conn: Connection) -> tuple[int, int]:
    """(rows, highest id) of the cost lines: it changes whenever the ledger rewrites any of them
    (a rewrite deletes and inserts, so the highest id moves even when the count does not)."""
    row = conn.execute(select(func.count(), func.max(cost_lines.c.id)).select_from(cost_lines)).one()
    return int(row[0]), int(row[1] or 0)
