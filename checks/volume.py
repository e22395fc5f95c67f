"""``volume``: does each table receive as many rows as it usually does?

Series, best source first: rows per load (or per hour/day) of ``timestamp_column``, aggregated by
the warehouse; otherwise the row count from catalog metadata at each check run, judged as rows added
between runs whenever the count changed. New points are judged by the anomaly model
(:mod:`checks.anomaly`), each on the points before it; what was judged is stored beside the value
(``<metric>_expected_low/high``, ``<metric>_anomaly``), so the next run resumes where this one stopped
and keeps past anomalies out of training.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from pydantic import Field

from checks.anomaly import DetectorState, Judgement, Sensitivity, detect
from checks.anomaly.features import Terms
from checks.anomaly.robust import single_threaded
from checks.metadata import load_history
from checks.targets import WarehouseScope, discover, open_targets
from observer.model import AssetKey, CheckResult, CheckStatus, MetricPoint, Severity
from observer.plugins import RunContext
from observer.store.metrics import latest_ts_many, record_points, series_many

_PERIOD_SECONDS = {"hour": 3600, "day": 86400}


class VolumeConfig(WarehouseScope):
    timestamp_column: str | None = Field(
        None, description="column holding each row's load time, e.g. _loaded_at"
    )
    period: str = Field("load", pattern="^(load|hour|day)$", description="rows per load, per hour or per day")
    sensitivity: Sensitivity = Sensitivity.MEDIUM
    lookback_days: int = Field(60, ge=14, le=400)
    initial_days: int = Field(
        7, ge=1, le=60, description="on the first run, judge the points of the last … days"
    )


@dataclass(frozen=True)
class _State:
    """What earlier runs left: the last judged point, anomaly and level-shift marks, chosen terms."""

    judged: dict[str, dict[AssetKey, datetime]]
    marks: dict[tuple[AssetKey, str], list[tuple[datetime, float]]]
    models: dict[tuple[AssetKey, str], list[tuple[datetime, float]]]


def metric_name(cfg: VolumeConfig, from_column: bool) -> str:
    return f"rows_per_{cfg.period}" if from_column else "rows_added"


def _added(counts: list[tuple[datetime, float]]) -> list[tuple[datetime, float]]:
    """Rows added at each observed change of a row count (unchanged observations are not updates)."""
    return [(t, v - v0) for (_t0, v0), (t, v) in zip(counts, counts[1:], strict=False) if v != v0]


class VolumeCheck:
    name: ClassVar[str] = "volume"
    config_model: ClassVar[type[VolumeConfig]] = VolumeConfig

    def __init__(self, config: VolumeConfig, check_name: str) -> None:
        self.config = config
        self.check_name = check_name

    def run(self, ctx: RunContext) -> list[CheckResult]:
        cfg, now = self.config, ctx.now
        since = now - timedelta(days=cfg.lookback_days)
        warehouse = open_targets(ctx, cfg, self.check_name)
        engine = warehouse.engine()
        series: dict[AssetKey, tuple[str, list[tuple[datetime, float]]]] = {}
        try:
            with engine.connect() as conn:
                targets = discover(conn, warehouse, cfg, with_columns=bool(cfg.timestamp_column))
                column = (cfg.timestamp_column or "").lower()
                pairs = []
                for key, table in targets.tables.items():
                    names = {c.name.lower(): c.name for c in targets.columns.get(table, [])}
                    if column and column in names:
                        pairs.append((key, table, names[column]))
                loads = load_history(
                    conn, warehouse.dialect, [(t, c) for _, t, c in pairs], since=since, period=cfg.period
                )
        finally:
            engine.dispose()
        step = _PERIOD_SECONDS.get(cfg.period)
        for key, table, _ in pairs:
            # an hour or day is judged once it is over; a load once it has landed
            points = [
                (t, float(n))
                for t, n in loads[table]
                if t <= now and (step is None or t + timedelta(seconds=step) <= now)
            ]
            series[key] = (metric_name(cfg, True), points)
        counted = [k for k in targets.tables if k not in series]
        raw_points = [
            MetricPoint(k, "row_count", now, float(s.row_count), "volume")
            for k in counted
            if (s := targets.stats.get(targets.tables[k])) is not None and s.row_count is not None
        ]
        observed = [
            MetricPoint(k, metric, t, v, "volume") for k, (metric, pts) in series.items() for t, v in pts
        ]
        with ctx.store.transaction() as conn:
            record_points(conn, raw_points + observed)
            counts = series_many(conn, counted, ["row_count"], since=since)
            metrics = sorted({m for m, _ in series.values()} | {"rows_added"})
            keys = list(targets.tables)
            stored = _State(
                judged={m: latest_ts_many(conn, keys, m + "_expected_low") for m in metrics},
                marks=series_many(
                    conn,
                    keys,
                    [m + s for m in metrics for s in ("_anomaly", "_level_shift")],
                    since=since,
                    min_value=1.0,
                ),
                models=series_many(conn, keys, [m + "_model" for m in metrics], since=since),
            )
        for key in counted:
            series[key] = ("rows_added", _added(counts.get((key, "row_count"), [])))
        results: list[CheckResult] = []
        writes: list[MetricPoint] = []
        with single_threaded():
            for key in targets.tables:
                metric, points = series[key]
                result, judged_points = self._judge(key, metric, points, stored, now)
                if result is not None:
                    results.append(result)
                writes += judged_points
        with ctx.store.transaction() as conn:
            record_points(conn, writes)
        return results

    def _judge(
        self, key: AssetKey, metric: str, points: list[tuple[datetime, float]], stored: _State, now: datetime
    ) -> tuple[CheckResult | None, list[MetricPoint]]:
        cfg = self.config
        mark = stored.judged.get(metric, {}).get(key)
        model = stored.models.get((key, metric + "_model"), [])
        state = DetectorState(
            excluded=frozenset(t.timestamp() for t, _ in stored.marks.get((key, metric + "_anomaly"), [])),
            changepoints=tuple(
                sorted(t.timestamp() for t, _ in stored.marks.get((key, metric + "_level_shift"), []))
            ),
            terms=Terms.from_code(int(model[-1][1])) if model else None,
            terms_at=model[-1][0].timestamp() if model else -math.inf,
        )
        if mark is not None:
            start = next((i for i, (t, _) in enumerate(points) if t > mark), len(points))
        else:
            first = now - timedelta(days=cfg.initial_days)
            start = next((i for i, (t, _) in enumerate(points) if t >= first), len(points))
        base = {"check": self.check_name, "check_type": "volume", "asset": key, "evaluated_at": now}
        if not points:
            return CheckResult(
                status=CheckStatus.SKIPPED,
                severity=Severity.LOW,
                run_key=f"{metric}@none",
                message="no volume history yet (row counts are recorded from this run on)",
                **base,
            ), []
        if start >= len(points):
            return None, []  # nothing new since the last run: its result stands
        judged, new_state = detect(points, cfg.sensitivity, judge_from=start, state=state)
        writes = []
        for j in judged:
            if j.expected_low is None:
                continue
            ts = j.timestamp.astimezone(UTC)
            writes += [
                MetricPoint(key, metric + "_expected_low", ts, j.expected_low, "volume"),
                MetricPoint(key, metric + "_expected_high", ts, j.expected_high or 0.0, "volume"),
                MetricPoint(key, metric + "_anomaly", ts, 1.0 if j.anomaly else 0.0, "volume"),
            ]
        if new_state.terms is not None and new_state.terms_at != state.terms_at:
            at = datetime.fromtimestamp(new_state.terms_at, UTC)
            writes.append(MetricPoint(key, metric + "_model", at, float(new_state.terms.code), "volume"))
        for cp in set(new_state.changepoints) - set(state.changepoints):
            writes.append(
                MetricPoint(key, metric + "_level_shift", datetime.fromtimestamp(cp, UTC), 1.0, "volume")
            )
        verdicts = [j for j in judged if j.expected_low is not None]
        if not verdicts:
            return CheckResult(
                status=CheckStatus.SKIPPED,
                severity=Severity.LOW,
                run_key=f"{metric}@{points[-1][0].isoformat()}",
                message=f"learning: {len(points)} points of history, two weeks needed",
                **base,
            ), writes
        anomalies = [j for j in verdicts if j.anomaly]
        subject = anomalies[-1] if anomalies else verdicts[-1]
        return self._result(base, metric, subject, anomalies, points[-1][0]), writes

    def _result(
        self, base: dict, metric: str, j: Judgement, anomalies: list[Judgement], latest: datetime
    ) -> CheckResult:
        unit = metric.replace("_", " ")
        observed = {
            "metric": metric,
            "timestamp": j.timestamp.isoformat(),
            "value": j.value,
            "anomalies": [{"timestamp": a.timestamp.isoformat(), "value": a.value} for a in anomalies[-10:]],
        }
        expected = {
            "expected": j.expected,
            "expected_low": j.expected_low,
            "expected_high": j.expected_high,
            "model": j.model,
            "sensitivity": self.config.sensitivity.value,
        }
        run_key = f"{metric}@{latest.isoformat()}"
        if not anomalies:
            return CheckResult(
                status=CheckStatus.PASS,
                severity=Severity.LOW,
                run_key=run_key,
                observed=observed,
                expected=expected,
                message=f"{unit}: {j.value:,.0f}, expected {j.expected_low:,.0f}–{j.expected_high:,.0f}",
                **base,
            )
        ratio = j.value / j.expected if j.expected else None
        drop = j.value < (j.expected_low or 0)
        severity = (
            Severity.HIGH
            if (j.value <= 0 or (ratio is not None and (ratio < 0.5 or ratio > 2.5)))
            else Severity.MEDIUM
        )
        what = "drop" if drop else "spike"
        change = f" ({(ratio - 1) * 100:+.0f} % vs expected)" if ratio is not None else ""
        message = (
            f"volume {what}: {unit} {j.value:,.0f} at {j.timestamp:%Y-%m-%d %H:%M}, "
            f"expected {j.expected_low:,.0f}–{j.expected_high:,.0f}{change}"
        )
        return CheckResult(
            status=CheckStatus.FAIL,
            severity=severity,
            run_key=run_key,
            observed=observed,
            expected=expected,
            message=message,
            **base,
        )
