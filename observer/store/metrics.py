"""Metric series in the store: row counts, rows per load, freshness lags, and their expected bands.

A point is identified by ``(asset, metric, ts)``; writing the same point again overwrites its value,
so re-running a check converges. Checks write the band they judged a point against as sibling metrics
(``rows_per_load_expected_low`` / ``_expected_high`` / ``_anomaly``); :func:`band_series` joins them
back for charts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, delete, func, select

from observer.model import AssetKey, MetricPoint
from observer.store.tables import metric_points
from observer.store.upsert import upsert

BAND_SUFFIXES = ("_expected_low", "_expected_high", "_anomaly")
_CHUNK = 500


def record_points(conn: Connection, points: Iterable[MetricPoint]) -> int:
    """Upsert points; returns how many were sent."""
    rows = [
        {
            "asset_key": str(p.asset),
            "metric": p.metric,
            "ts": p.ts,
            "value": float(p.value),
            "source": p.source,
        }
        for p in points
    ]
    return upsert(conn, metric_points, rows, keys=["asset_key", "metric", "ts"])


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


def series_many(
    conn: Connection, assets: Sequence[AssetKey], metrics: Sequence[str], *, since: datetime | None = None
) -> dict[tuple[AssetKey, str], list[tuple[datetime, float]]]:
    """Several metrics of many assets in a few queries (chunks of assets), oldest first per series."""
    out: dict[tuple[AssetKey, str], list[tuple[datetime, float]]] = {}
    by_text = {str(a): a for a in assets}
    names = list(by_text)
    for start in range(0, len(names), _CHUNK):
        chunk = names[start : start + _CHUNK]
        cond = [metric_points.c.asset_key.in_(chunk), metric_points.c.metric.in_(list(metrics))]
        if since is not None:
            cond.append(metric_points.c.ts >= since)
        stmt = (
            select(
                metric_points.c.asset_key, metric_points.c.metric, metric_points.c.ts, metric_points.c.value
            )
            .where(and_(*cond))
            .order_by(metric_points.c.asset_key, metric_points.c.metric, metric_points.c.ts)
        )
        for r in conn.execute(stmt):
            out.setdefault((by_text[r.asset_key], r.metric), []).append((r.ts, float(r.value)))
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
