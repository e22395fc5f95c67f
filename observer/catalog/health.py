"""Freshness and volume over time, with the band each point was expected in, for the asset page.

Checks write their metric series and the expected band they judged each point against (see
:mod:`observer.store.metrics`); this picks the series worth charting for one asset and puts them in
display units (freshness lag in hours, volumes in rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from observer.model import AssetKey
from observer.store.metrics import BandPoint, band_series, metrics_of

FRESHNESS = "freshness_lag_s"
VOLUME_PREFERENCE = ("rows_added", "rows_per_load", "row_count")


@dataclass(frozen=True)
class HealthChart:
    metric: str
    title: str
    unit: str
    points: list[BandPoint]

    @property
    def has_band(self) -> bool:
        return any(p.expected_low is not None or p.expected_high is not None for p in self.points)

    @property
    def anomalies(self) -> int:
        return sum(1 for p in self.points if p.anomaly)

    def chart(self) -> dict[str, object]:
        """The JSON static/charts.js draws: epoch seconds, values and the band (``null`` where none)."""
        data: dict[str, object] = {
            "type": "series",
            "label": f"{self.title} ({self.unit})",
            "x": [p.ts.timestamp() for p in self.points],
            "y": [p.value for p in self.points],
        }
        if self.has_band:
            data["lower"] = [p.expected_low for p in self.points]
            data["upper"] = [p.expected_high for p in self.points]
        return data


def _scaled(points: list[BandPoint], factor: float) -> list[BandPoint]:
    return [
        BandPoint(
            p.ts,
            p.value * factor,
            None if p.expected_low is None else p.expected_low * factor,
            None if p.expected_high is None else p.expected_high * factor,
            p.anomaly,
        )
        for p in points
    ]


def health_charts(conn: Connection, key: AssetKey, *, since: datetime | None = None) -> list[HealthChart]:
    """Freshness lag and the best volume series of ``key`` (only those with data)."""
    stored = set(metrics_of(conn, key))
    charts = []
    if FRESHNESS in stored:
        points = _scaled(band_series(conn, key, FRESHNESS, since=since), 1 / 3600)
        if points:
            charts.append(HealthChart(FRESHNESS, "Freshness: time since last update", "hours", points))
    volume = [m for m in VOLUME_PREFERENCE if m in stored]
    banded = []
    for metric in volume:
        points = band_series(conn, key, metric, since=since)
        chart = HealthChart(metric, f"Volume: {metric.replace('_', ' ')}", "rows", points)
        if points:
            banded.append(chart)
    banded.sort(key=lambda c: (not c.has_band, VOLUME_PREFERENCE.index(c.metric)))
    charts.extend(banded[:1])
    return charts
