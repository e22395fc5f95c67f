"""The Dagster collector: asset nodes (owners, groups, dependencies, tables, row counts) and runs with
their steps, from a Dagster webserver's GraphQL API. Idempotent; runs are read incrementally from
the last ``updateTime`` seen (minus ``lookback_hours``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from collectors.dagster.client import DagsterClient
from collectors.dagster.config import DagsterConfig
from collectors.dagster.parse import ORIGIN, materialized_rows, parse_asset_nodes, parse_run
from observer.plugins import IngestReport, RunContext
from observer.store.assets import upsert_assets
from observer.store.declared_owners import write_declared_claims
from observer.store.lineage import replace_upstreams
from observer.store.runs import upsert_runs
from observer.store.watermarks import get_watermark, set_watermark

__all__ = ["DagsterCollector", "DagsterConfig"]


class DagsterCollector:
    name: ClassVar[str] = "dagster"
    config_model: ClassVar[type[DagsterConfig]] = DagsterConfig

    def __init__(self, config: DagsterConfig, source_name: str, transport: Any = None) -> None:
        self.config = config
        self.source_name = source_name
        self.transport = transport

    def collect(self, ctx: RunContext) -> IngestReport:
        source = self.source_name
        with ctx.store.read() as conn:
            mark = get_watermark(conn, source, "runs")
        since = float(mark) - self.config.lookback_hours * 3600 if mark else None
        client = DagsterClient(self.config, self.transport)
        try:
            nodes = client.asset_nodes()
            runs = list(client.runs(since))
        finally:
            client.close()
        parsed = parse_asset_nodes(nodes, platform=self.config.platform, source=source)
        rows = materialized_rows(nodes)
        records = [r for run in runs for r in parse_run(run, parsed, source=source,
                                                         warehouse_user=self.config.warehouse_user, rows=rows)]
        report = IngestReport(rows_read=len(nodes) + len(runs))
        times = [t for r in records for t in (r.end_time or r.start_time,) if t is not None]
        seen_at = min(max(times, default=ctx.now), ctx.now)
        with ctx.store.transaction() as conn:
            report.rows_written += upsert_assets(conn, parsed.assets, ctx.now)
            report.rows_written += replace_upstreams(conn, ORIGIN, [a.key for a in parsed.assets], parsed.edges, seen_at)
            report.rows_written += write_declared_claims(conn, f"dagster:{source}", parsed.claims, ctx.now, parsed.hints)
            report.rows_written += upsert_runs(conn, records)
            newest = max((float(r["updateTime"]) for r in runs if r.get("updateTime")), default=None)
            if newest is not None and (mark is None or newest > float(mark)):
                set_watermark(conn, source, repr(newest), ctx.now, "runs")
        report.details.update(assets=len(parsed.assets), runs=len(runs), steps=len(records) - len(runs),
                              since=datetime.fromtimestamp(since, UTC).isoformat() if since else None)
        return report


