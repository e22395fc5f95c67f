"""Metric series in the store: row counts, rows per load, freshness lags, and their expected bands.

A point is identified by ``(asset, metric, ts)``; writing the same point again overwrites its value,
so re-running a check converges. Checks write the band they judged a point against as sibling metrics
(``rows_per_load_expected_low`` / ``_expected_high`` / ``_anomaly``); :func:`band_series` joins them
back for charts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Connection, DateTime, String, and_, delete, func, select, type_coerce
from sqlalchemy.dialects import postgresql, sqlite

from observer.model import AssetKey, MetricPoint
from observer.store.tables import metric_points

BAND_SUFFIXES = ("_expected_low", "_expected_high", "_anomaly")
_CHUNK = 500


def record_points(conn: Connection, points: Iterable[MetricPoint]) -> int:
    """Upsert points; returns how many were sent.

    One prepared statement executed for many rows (the driver batches them), rather than one huge
    multi-VALUES statement: checks write tens of thousands of points per run.
    """
    unique = {
        (str(p.asset), p.metric, p.ts): {
            "asset_key": str(p.asset),
            "metric": p.metric,
            "ts": p.ts,
            "value": float(p.value),
            "source": p.source,
        }
        for p in points
    }
    rows = list(unique.values())
    if not rows:
        return 0
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(metric_points)
    stmt = stmt.on_conflict_do_update(
        index_elements=["asset_key", "metric", "ts"],
        set_={"value": stmt.excluded.value, "source": stmt.excluded.source},
    )
    for first in range(0, len(rows), 5000):
        conn.execute(stmt, rows[first : first + 5000])
    return len(rows)


def series(
    conn: Connection,
    asset: AssetKey,
    metric: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[tuple[datetime, float]]:
    """One metric of one asset, oldest first."""
    cond = [metric_points.c.asset_key == str(asset), metric_points.c.metric == metric]
    if since is not None:
        cond.append(metric_points.c.ts >= since)
    if until is not None:
        cond.append(metric_points.c.ts <= until)
    stmt = select(metric_points.c.ts, metric_points.c.value).where(and_(*cond)).order_by(metric_points.c.ts)
    return [(r.ts, float(r.value)) for r in conn.execute(stmt)]


def _when(value: object) -> datetime:
    """A stored timestamp read without the column type's per-row processing (fast path)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def series_many(
    conn: Connection,
    assets: Sequence[AssetKey],
    metrics: Sequence[str],
    *,
    since: datetime | None = None,
    min_value: float | None = None,
) -> dict[tuple[AssetKey, str], list[tuple[datetime, float]]]:
    """Several metrics of many assets in a few queries (chunks of assets), oldest first per series.

    ``min_value`` keeps only points at or above it (e.g. anomaly flags = 1). Rows are read raw and
    converted here: with 10,000 tables × weeks of history, per-row type processing would dominate.
    """
    out: dict[tuple[AssetKey, str], list[tuple[datetime, float]]] = {}
    by_text = {str(a): a for a in assets}
    names = list(by_text)
    raw_ts = type_coerce(metric_points.c.ts, String() if conn.dialect.name == "sqlite" else DateTime())
    for start in range(0, len(names), _CHUNK):
        chunk = names[start : start + _CHUNK]
        cond: list[ColumnElement[bool]] = [metric_points.c.asset_key.in_(chunk), metric_points.c.metric.in_(list(metrics))]
        if since is not None:
            cond.append(metric_points.c.ts >= since)
        if min_value is not None:
            cond.append(metric_points.c.value >= min_value)
        stmt = (
            select(metric_points.c.asset_key, metric_points.c.metric, raw_ts, metric_points.c.value)
            .where(and_(*cond))
            .order_by(metric_points.c.asset_key, metric_points.c.metric, metric_points.c.ts)
        )
        for asset_key, metric, ts, value in conn.execute(stmt).fetchall():
            out.setdefault((by_text[asset_key], metric), []).append((_when(ts), float(value)))
    return out


def latest_ts_many(conn: Connection, assets: Sequence[AssetKey], metric: str) -> dict[AssetKey, datetime]:
    """The newest timestamp of ``metric`` per asset (one row per asset comes back)."""
    by_text = {str(a): a for a in assets}
    names = list(by_text)
    out: dict[AssetKey, datetime] = {}
    raw_ts = type_coerce(
        func.max(metric_points.c.ts), String() if conn.dialect.name == "sqlite" else DateTime()
    )
    for start in range(0, len(names), _CHUNK):
        stmt = (
            select(metric_points.c.asset_key, raw_ts)
            .where(
                metric_points.c.asset_key.in_(names[start : start + _CHUNK]), metric_points.c.metric == metric
            )
            .group_by(metric_points.c.asset_key)
        )
        for asset_key, ts in conn.execute(stmt).fetchall():
            if ts is not None:
                out[by_text[asset_key]] = _when(ts)
    return out


@dataclass(frozen=True)
class BandPoint:
    """A value with the range it was expected in (``None`` where it was not judged)."""

    ts: datetime
    value: float
    expected_low: float | None
    expected_high: float | None
    anomaly: bool


def band_series(
    conn: Connection, asset: AssetKey, metric: str, *, since: datetime | None = None
) -> list[BandPoint]:
    """A metric with its expected band, for charts: ``[BandPoint(ts, value, low, high, anomaly)]``."""
    names = [metric, *(metric + s for s in BAND_SUFFIXES)]
    data = series_many(conn, [asset], names, since=since)
    low = dict(data.get((asset, metric + "_expected_low"), []))
    high = dict(data.get((asset, metric + "_expected_high"), []))
    flags = dict(data.get((asset, metric + "_anomaly"), []))
    return [
        BandPoint(ts, value, low.get(ts), high.get(ts), bool(flags.get(ts, 0.0)))
        for ts, value in data.get((asset, metric), [])
    ]


def metrics_of(conn: Connection, asset: AssetKey) -> list[str]:
    """The metric names stored for an asset (bands excluded)."""
    stmt = (
        select(metric_points.c.metric)
        .where(metric_points.c.asset_key == str(asset))
        .group_by(metric_points.c.metric)
    )
    names = [r.metric for r in conn.execute(stmt)]
    return sorted(n for n in names if not n.endswith(BAND_SUFFIXES))


def latest_point(conn: Connection, asset: AssetKey, metric: str) -> tuple[datetime, float] | None:
    stmt = (
        select(metric_points.c.ts, metric_points.c.value)
        .where(metric_points.c.asset_key == str(asset), metric_points.c.metric == metric)
        .order_by(metric_points.c.ts.desc())
        .limit(1)
    )
    row = conn.execute(stmt).first()
    return (row.ts, float(row.value)) if row else None


def delete_before(conn: Connection, cutoff: datetime) -> int:
    """Retention: drop points older than ``cutoff``; returns the number removed."""
    count = conn.execute(
        select(func.count()).select_from(metric_points).where(metric_points.c.ts < cutoff)
    ).scalar_one()
    conn.execute(delete(metric_points).where(metric_points.c.ts < cutoff))
    return int(count)
