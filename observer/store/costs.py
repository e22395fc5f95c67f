"""Metering, cost lines and the bookkeeping that keeps them in step with the query history.

Cost lines are *derived*: a day's lines are a function of that day's queries and meters. When an
ingest batch changes either, it marks the day dirty **in the same transaction** as the rows
(:func:`mark_dirty`); the ledger later recomputes each dirty day and clears its mark in the
transaction that replaces its lines. A crash anywhere leaves either the old lines and the mark, or
the new lines and no mark — never rows without their costs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, delete, func, literal, select

from observer.model import Attribution, CostLine, MeteringRecord
from observer.store.bulk import write_rows
from observer.store.tables import cost_lines, metering, queries, watermarks
from observer.store.upsert import upsert

DIRTY = "cost-day:"
"""Watermark stream prefix marking a day whose cost lines must be recomputed."""

GROUPINGS = {
    "owner": cost_lines.c.owner,
    "team": cost_lines.c.team,
    "asset": cost_lines.c.asset_key,
    "warehouse": cost_lines.c.warehouse,
    "user": cost_lines.c.user_name,
    "fingerprint": cost_lines.c.fingerprint,
    "rule": cost_lines.c.rule,
    "source": cost_lines.c.source,
    "kind": cost_lines.c.kind,
}
"""``--by`` names → cost-line columns."""
UNATTRIBUTED = "unattributed"


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def days_between(start: datetime, end: datetime) -> list[date]:
    """Every UTC day touched by ``[start, end]``."""
    first, last = start.astimezone(UTC).date(), end.astimezone(UTC).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# ── metering ──────────────────────────────────────────────────────────────────────────────────────────

_METER_VALUES = ("end_time", "credits_compute", "credits_cloud_services", "credits_attributed_compute")


def _meter_row(m: MeteringRecord) -> dict[str, Any]:
    return {
        "source": m.source,
        "warehouse": m.warehouse,
        "start_time": m.start_time,
        "end_time": m.end_time,
        "credits_compute": m.credits_compute,
        "credits_cloud_services": m.credits_cloud_services,
        "credits_attributed_compute": m.credits_attributed_compute,
        "credits_acceleration": m.credits_acceleration,
    }


def _stored_meters(conn: Connection, items: Sequence[MeteringRecord]) -> dict[tuple[str, str, datetime], Any]:
    if not items:
        return {}
    lo = min(m.start_time for m in items)
    hi = max(m.start_time for m in items)
    sources = sorted({m.source for m in items})
    rows = conn.execute(
        select(metering).where(metering.c.source.in_(sources), metering.c.start_time.between(lo, hi))
    )
    return {(r.source, r.warehouse, r.start_time.astimezone(UTC)): r for r in rows}


def write_meters(conn: Connection, items: Iterable[MeteringRecord], *, acceleration_only: bool = False) -> set[date]:
    """Upsert metering rows; returns the days whose meters changed.

    ``acceleration_only``: the records carry only acceleration credits (QUERY_ACCELERATION_HISTORY);
    compute and cloud-services credits already stored are left alone.
    """
    items = list(items)
    stored = _stored_meters(conn, items)
    changed: list[dict[str, Any]] = []
    days: set[date] = set()
    for m in items:
        old = stored.get((m.source, m.warehouse, m.start_time))
        row = _meter_row(m)
        if acceleration_only:
            if old is not None and old.credits_acceleration == m.credits_acceleration:
                continue
            if old is not None:
                row.update({k: getattr(old, k) for k in _METER_VALUES})
        elif old is not None and all(getattr(old, k) == row[k] for k in _METER_VALUES):
            continue
        if old is not None and not acceleration_only:
            row["credits_acceleration"] = max(row["credits_acceleration"], old.credits_acceleration or 0.0)
        changed.append(row)
        days.add(m.start_time.astimezone(UTC).date())
    if changed:
        columns = tuple(changed[0])
        write_rows(conn, metering, columns, [tuple(r[c] for c in columns) for r in changed], conflict=("source", "warehouse", "start_time"))
    return days


def meters_between(conn: Connection, source: str, start: datetime, end: datetime) -> list[MeteringRecord]:
    rows = conn.execute(
        select(metering).where(metering.c.source == source, metering.c.start_time >= start, metering.c.start_time < end)
    )
    return [
        MeteringRecord(
            r.source, r.warehouse, r.start_time, r.end_time, r.credits_compute, r.credits_cloud_services,
            r.credits_attributed_compute, r.credits_acceleration or 0.0,
        )
        for r in rows
    ]


# ── dirty days ───────────────────────────────────────────────────────────────────────────────────────


def mark_dirty(conn: Connection, source: str, days: Iterable[date], now: datetime) -> int:
    rows = [{"source": source, "stream": f"{DIRTY}{d.isoformat()}", "value": d.isoformat(), "updated_at": now} for d in set(days)]
    upsert(conn, watermarks, rows, keys=["source", "stream"], update=())
    return len(rows)


def dirty_days(conn: Connection, source: str) -> list[date]:
    rows = conn.execute(
        select(watermarks.c.value).where(watermarks.c.source == source, watermarks.c.stream.like(f"{DIRTY}%"))
    )
    return sorted(date.fromisoformat(r[0]) for r in rows)


def clear_dirty(conn: Connection, source: str, day: date) -> None:
    conn.execute(delete(watermarks).where(watermarks.c.source == source, watermarks.c.stream == f"{DIRTY}{day.isoformat()}"))


# ── cost lines ───────────────────────────────────────────────────────────────────────────────────────

LINE_COLUMNS = (
    "source", "month", "hour", "warehouse", "kind", "query_id", "credits", "cost_usd", "user_name",
    "fingerprint", "asset_key", "owner", "team", "rule", "reason",
)


def _line_row(c: CostLine) -> tuple[Any, ...]:
    a = c.attribution
    return (
        c.source, f"{c.hour.year:04d}-{c.hour.month:02d}", c.hour, c.warehouse, c.kind, c.query_id, c.credits,
        c.cost_usd, c.user_name, c.fingerprint,
        str(a.asset) if a and a.asset else None, a.owner if a else None, a.team if a else None,
        a.rule if a else None, a.reason if a else None,
    )


def line_row(
    source: str, warehouse: str, hour: datetime, credits: float, cost_usd: float, kind: str, query_id: str | None,
    attribution: Attribution | None, user_name: str | None, fingerprint: str | None,
) -> tuple[Any, ...]:
    """A cost line as a row in :data:`LINE_COLUMNS` order (what :func:`replace_cost_lines` takes)."""
    a = attribution
    return (
        source, f"{hour.year:04d}-{hour.month:02d}", hour, warehouse, kind, query_id, credits, cost_usd, user_name,
        fingerprint, str(a.asset) if a and a.asset else None, a.owner if a else None, a.team if a else None,
        a.rule if a else None, a.reason if a else None,
    )


def replace_cost_lines(
    conn: Connection, source: str, start: datetime, end: datetime, lines: Sequence[CostLine | tuple[Any, ...]],
    *, encoded: bool = False,
) -> int:
    """Make ``source``'s lines in ``[start, end)`` exactly ``lines`` (cost lines or :func:`line_row`
    rows; ``encoded``: rows whose hour is already in the stored form, see
    :func:`~observer.store.bulk.write_rows`)."""
    conn.execute(
        delete(cost_lines).where(cost_lines.c.source == source, cost_lines.c.hour >= start, cost_lines.c.hour < end)
    )
    if encoded:
        return write_rows(conn, cost_lines, LINE_COLUMNS, lines, encoded=True)  # type: ignore[arg-type]
    rows = [c if isinstance(c, tuple) else _line_row(c) for c in lines]
    return write_rows(conn, cost_lines, LINE_COLUMNS, rows)


def delete_cost_lines(conn: Connection, source: str) -> None:
    conn.execute(delete(cost_lines).where(cost_lines.c.source == source))


@dataclass(frozen=True)
class CostTotal:
    key: str
    credits: float
    cost_usd: float
    queries: int


def group_key(by: str) -> Any:
    """SQL for a report key: idle lines as ``idle:<warehouse>``, other unowned spend as ``unattributed``."""
    if by not in GROUPINGS:
        raise ValueError(f"cannot group costs by {by!r}; choose one of {', '.join(GROUPINGS)}")
    col = GROUPINGS[by]
    c = cost_lines.c
    return case(
        (and_(c.query_id.is_(None), c.kind == "idle"), literal("idle:") + c.warehouse),
        (c.query_id.is_(None), literal(UNATTRIBUTED)),
        else_=func.coalesce(col, literal(UNATTRIBUTED)),
    )


def _filters(months: Sequence[str], filters: Mapping[str, str | None]) -> list[Any]:
    conds: list[Any] = [cost_lines.c.month.in_(list(months))] if len(months) != 1 else [cost_lines.c.month == months[0]]
    for name, value in filters.items():
        if value is None:
            continue
        if name not in GROUPINGS:
            raise ValueError(f"unknown cost filter {name!r}; choose from {', '.join(GROUPINGS)}")
        if value == UNATTRIBUTED:
            conds.append(GROUPINGS[name].is_(None))
        else:
            conds.append(GROUPINGS[name] == value)
    return conds


def cost_totals(
    conn: Connection, month: str, by: str, filters: Mapping[str, str | None] | None = None
) -> list[CostTotal]:
    """Credits, dollars and distinct queries per ``by`` key in ``month`` (``YYYY-MM``), costliest first."""
    key = group_key(by).label("key")
    c = cost_lines.c
    stmt = (
        select(key, func.sum(c.credits), func.sum(c.cost_usd), func.count(c.query_id.distinct()))
        .where(*_filters([month], filters or {}))
        .group_by(key)
        .order_by(func.sum(c.cost_usd).desc(), key)
    )
    return [CostTotal(k, float(cr or 0), float(usd or 0), int(n)) for k, cr, usd, n in conn.execute(stmt)]


@dataclass(frozen=True)
class FingerprintCost:
    fingerprint: str | None
    credits: float
    cost_usd: float
    queries: int
    sample_query_id: str | None


def top_fingerprints(
    conn: Connection, month: str, filters: Mapping[str, str | None], limit: int = 5
) -> list[FingerprintCost]:
    """The costliest query shapes in ``month`` among lines matching ``filters``."""
    c = cost_lines.c
    stmt = (
        select(c.fingerprint, func.sum(c.credits), func.sum(c.cost_usd), func.count(c.query_id.distinct()), func.max(c.query_id))
        .where(*_filters([month], filters), c.query_id.is_not(None))
        .group_by(c.fingerprint)
        .order_by(func.sum(c.cost_usd).desc())
        .limit(limit)
    )
    return [FingerprintCost(fp, float(cr), float(usd), int(n), qid) for fp, cr, usd, n, qid in conn.execute(stmt)]


@dataclass(frozen=True)
class QuerySample:
    query_id: str
    text: str
    user_name: str | None
    warehouse: str | None
    owner: str | None
    team: str | None
    asset_key: str | None
    rule: str | None
    reason: str | None
    start_time: datetime


def query_samples(conn: Connection, query_ids: Sequence[str]) -> dict[str, QuerySample]:
    q = queries.c
    rows = conn.execute(
        select(
            q.query_id, q.text, q.user_name, q.warehouse, q.owner, q.team, q.asset_key, q.attribution_rule,
            q.attribution_reason, q.start_time,
        ).where(q.query_id.in_(list(query_ids)))
    )
    return {r[0]: QuerySample(*r) for r in rows}  # type: ignore[call-arg, arg-type]


def months_with_costs(conn: Connection) -> list[str]:
    return [r[0] for r in conn.execute(select(cost_lines.c.month).distinct().order_by(cost_lines.c.month))]


def query_cost(conn: Connection, source: str, query_id: str) -> tuple[float, float]:
    """Credits and dollars charged to one query over all its lines."""
    c = cost_lines.c
    row = conn.execute(
        select(func.sum(c.credits), func.sum(c.cost_usd)).where(c.source == source, c.query_id == query_id)
    ).one()
    return float(row[0] or 0.0), float(row[1] or 0.0)
