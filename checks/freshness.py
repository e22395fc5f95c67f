"""``freshness``: is each table updated as often as it should be?

Last update, best signal first: ``max(timestamp_column)`` when the table has that column (the
warehouse aggregates); the collector's ``last_altered``; the latest successful orchestrator run that
wrote the table; and, from metadata alone, the last time the row count (or PostgreSQL's write counter)
was seen to change between check runs. The deadline is declared (``within``, or ``cron`` +
``grace``; ``schedule:`` is the scheduler's own cron for running the check) or learned from the table's update history (:mod:`checks.cadence`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from pydantic import Field, field_validator

from checks.anomaly import Sensitivity
from checks.cadence import (
    Cadence,
    Freshness,
    judge_learned,
    judge_schedule,
    judge_within,
    learn_cadence,
    parse_duration,
)
from checks.metadata import load_history
from checks.targets import Targets, WarehouseScope, discover, open_targets
from observer.model import AssetKey, CheckResult, CheckStatus, MetricPoint, Severity
from observer.plugins import RunContext
from observer.store.metrics import record_points, series_many
from observer.store.update_signals import last_altered, last_materializations

LAG_METRIC = "freshness_lag_s"
CHANGE_METRICS = ("row_count", "write_count")


class FreshnessConfig(WarehouseScope):
    timestamp_column: str | None = Field(
        None, description="column holding each row's load time, e.g. _loaded_at"
    )
    within: str | None = Field(None, description="declared SLA: updated at least every … (e.g. 6h)")
    cron: str | None = Field(
        None, description="cron of expected updates (an update must land within grace of each tick)"
    )
    grace: str = Field("1h", description="how long after a cron tick the update may land")
    sensitivity: Sensitivity = Sensitivity.MEDIUM
    lookback_days: int = Field(60, ge=7, le=400, description="history used to learn the cadence")

    @field_validator("within", "grace")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        from croniter import croniter

        if value is not None and not croniter.is_valid(value):
            raise ValueError(f"{value!r} is not a cron expression")
        return value


def _changes(points: list[tuple[datetime, float]]) -> list[datetime]:
    """Times at which a counter was seen to differ from its previous observation."""
    return [t for (t0, v0), (t, v) in zip(points, points[1:], strict=False) if v != v0]


class FreshnessCheck:
    name: ClassVar[str] = "freshness"
    config_model: ClassVar[type[FreshnessConfig]] = FreshnessConfig

    def __init__(self, config: FreshnessConfig, check_name: str) -> None:
        self.config = config
        self.check_name = check_name

    def run(self, ctx: RunContext) -> list[CheckResult]:
        cfg, now = self.config, ctx.now
        warehouse = open_targets(ctx, cfg, self.check_name)
        engine = warehouse.engine()
        try:
            with engine.connect() as conn:
                targets = discover(conn, warehouse, cfg, with_columns=bool(cfg.timestamp_column))
                updates = self._column_updates(conn, targets, now)
        finally:
            engine.dispose()
        keys = list(targets.tables)
        metadata_keys = [k for k in keys if k not in updates]
        points = []
        for key in metadata_keys:
            stats = targets.stats.get(targets.tables[key])
            if stats is None:
                continue
            if stats.row_count is not None:
                points.append(MetricPoint(key, "row_count", now, float(stats.row_count), "freshness"))
            if stats.modifications is not None:
                points.append(MetricPoint(key, "write_count", now, float(stats.modifications), "freshness"))
        since = now - timedelta(days=cfg.lookback_days)
        with ctx.store.transaction() as conn:
            record_points(conn, points)
            history = series_many(conn, metadata_keys, CHANGE_METRICS, since=since)
            altered = last_altered(conn, keys)
            runs = last_materializations(conn, keys)
        for key in metadata_keys:
            changed = set(_changes(history.get((key, "row_count"), []))) | set(
                _changes(history.get((key, "write_count"), []))
            )
            updates[key] = sorted(changed)
        results, lag_points = [], []
        for key in keys:
            history_times = [t for t in updates.get(key, []) if t <= now]
            signals = [
                s
                for s in (history_times[-1] if history_times else None, altered.get(key), runs.get(key))
                if s and s <= now
            ]
            last = max(signals) if signals else None
            result, band = self._judge(key, last, history_times, now)
            results.append(result)
            if band is not None:
                lag_points += band
        with ctx.store.transaction() as conn:
            record_points(conn, lag_points)
        return results

    def _column_updates(self, conn, targets: Targets, now: datetime) -> dict[AssetKey, list[datetime]]:  # type: ignore[no-untyped-def]
        column = (self.config.timestamp_column or "").lower()
        if not column:
            return {}
        pairs = []
        for key, table in targets.tables.items():
            names = {c.name.lower(): c.name for c in targets.columns.get(table, [])}
            if column in names:
                pairs.append((key, table, names[column]))
        since = now - timedelta(days=self.config.lookback_days)
        loads = load_history(
            conn, targets.warehouse.dialect, [(t, c) for _, t, c in pairs], since=since, period="load"
        )
        return {key: [ts for ts, _n in loads[table]] for key, table, _ in pairs}

    def _judge(
        self, key: AssetKey, last: datetime | None, history: list[datetime], now: datetime
    ) -> tuple[CheckResult, list[MetricPoint] | None]:
        cfg = self.config
        base = {
            "check": self.check_name,
            "check_type": "freshness",
            "asset": key,
            "evaluated_at": now,
            "run_key": now.isoformat(),
        }
        cadence: Cadence | None = None
        verdict: Freshness | None = None
        if cfg.cron:
            verdict = judge_schedule(last, now, cfg.cron, parse_duration(cfg.grace))
        elif last is None:
            return CheckResult(
                status=CheckStatus.SKIPPED,
                message="no update seen yet: nothing to judge freshness on",
                severity=Severity.LOW,
                **base,
            ), None
        elif cfg.within:
            verdict = judge_within(last, now, parse_duration(cfg.within))
        else:
            cadence = learn_cadence(history, cfg.sensitivity)
            if cadence is None:
                return CheckResult(
                    status=CheckStatus.SKIPPED,
                    severity=Severity.LOW,
                    message=f"learning the update cadence ({len(history)} updates seen, 5 needed)",
                    observed={"last_update": last.isoformat()},
                    **base,
                ), None
            verdict = judge_learned(last, now, cadence)
        lag_h = verdict.lag_s / 3600
        observed = {"last_update": last.isoformat() if last else None, "lag_s": round(verdict.lag_s, 1)}
        expected = {
            "rule": verdict.rule,
            "deadline": verdict.deadline.isoformat() if verdict.deadline else None,
        }
        if cadence is not None:
            expected |= {
                "typical_interval_s": round(cadence.typical_s),
                "allowed_lag_s": round(cadence.allowed_s),
                "quiet_weekdays": sorted(cadence.quiet_days),
                "quiet_hours": sorted(cadence.quiet_hours),
            }
        if verdict.late:
            overdue = (now - verdict.deadline).total_seconds() if verdict.deadline else verdict.lag_s
            allowed = (
                (verdict.deadline - last).total_seconds() if verdict.deadline and last else verdict.lag_s
            )
            severity = Severity.HIGH if allowed and verdict.lag_s > 2 * allowed else Severity.MEDIUM
            message = (
                f"late: last updated {lag_h:.1f} h ago" if last else "late: never updated"
            ) + f", {overdue / 3600:.1f} h past its deadline ({verdict.rule})"
            result = CheckResult(
                status=CheckStatus.FAIL,
                message=message,
                severity=severity,
                observed=observed,
                expected=expected,
                **base,
            )
        else:
            result = CheckResult(
                status=CheckStatus.PASS,
                message=f"fresh: last updated {lag_h:.1f} h ago ({verdict.rule})",
                severity=Severity.LOW,
                observed=observed,
                expected=expected,
                **base,
            )
        band = None
        if last is not None and verdict.lag_s != float("inf"):
            band = [MetricPoint(key, LAG_METRIC, now, verdict.lag_s, "freshness")]
            if verdict.deadline is not None:
                band.append(
                    MetricPoint(
                        key,
                        LAG_METRIC + "_expected_high",
                        now,
                        (verdict.deadline - last).total_seconds(),
                        "freshness",
                    )
                )
                band.append(MetricPoint(key, LAG_METRIC + "_expected_low", now, 0.0, "freshness"))
            band.append(
                MetricPoint(key, LAG_METRIC + "_anomaly", now, 1.0 if verdict.late else 0.0, "freshness")
            )
        return result, band
