"""The Databricks collector: SQL-warehouse statements (``system.query.history``) and their DBUs
(``system.billing.usage``), live or exported → attributed statements with DBUs shared by task time."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import ClassVar

from collectors.databricks.client import DatabricksClient
from collectors.databricks.config import DatabricksConfig
from collectors.databricks.parse import (
    BILLING_OPTIONAL,
    BILLING_REQUIRED,
    HISTORY_OPTIONAL,
    HISTORY_REQUIRED,
    combine_meters,
    statement_record,
    usage_meter,
)
from observer import fields as f
from observer.config import Settings
from observer.exports import expand_paths, read_batches
from observer.history_analysis import RowMaker
from observer.model import MeteringRecord, QueryRecord
from observer.plugins import IngestReport, RunContext
from observer.query_ingest import QueryIngest, export_batches
from observer.store import Store
from observer.store.watermarks import get_watermark

__all__ = ["DatabricksCollector", "DatabricksConfig", "ingest_databricks_exports"]

DIALECT = "databricks"


class DatabricksCollector:
    name: ClassVar[str] = "databricks"
    config_model: ClassVar[type[DatabricksConfig]] = DatabricksConfig

    def __init__(self, config: DatabricksConfig, source_name: str, client: DatabricksClient | None = None) -> None:
        self.config = config
        self.source_name = source_name
        self.client = client

    def collect(self, ctx: RunContext) -> IngestReport:
        base = ctx.settings.base_dir
        if self.config.query_history:
            return ingest_databricks_exports(
                ctx.store, ctx.settings, source=self.source_name, platform=self.config.platform,
                query_history=expand_paths(self.config.query_history, base), billing=expand_paths(self.config.billing, base),
                now=ctx.now, batch_size=self.config.batch_size, progress=ctx.progress,
            )
        client = self.client or DatabricksClient(self.config)
        try:
            return collect_live(client, ctx, self.source_name)
        finally:
            if self.client is None:
                client.close()


def ingest_databricks_exports(
    store: Store,
    settings: Settings,
    *,
    source: str,
    query_history: Sequence[Path],
    billing: Sequence[Path] = (),
    platform: str = "databricks",
    now: datetime,
    batch_size: int = 20_000,
    progress: Callable[[int, int | None], None] = lambda done, total: None,
) -> IngestReport:
    """Ingest exported query history and billing usage (JSON Lines or CSV with the tables' columns)."""
    report = IngestReport()
    meters: list[MeteringRecord] = []
    for mbatch in read_batches(billing, BILLING_REQUIRED, BILLING_OPTIONAL, lambda r, lay: usage_meter(r, lay, source=source), report, batch_size):
        meters.extend(m for m in mbatch if m is not None)
    workers = 2 if sum(p.stat().st_size for p in query_history) > 4_000_000 else 0
    ingest = QueryIngest(store, settings, source=source, platform=platform, dialect=DIALECT, now=now, report=report, workers=workers)

    try:
        factory = functools.partial(RowMaker, statement_record, source=source, platform=platform)
        batches = export_batches(ingest, query_history, HISTORY_REQUIRED, HISTORY_OPTIONAL, factory, report, batch_size)
        ingest.run(batches, meters=combine_meters(meters), progress=lambda done: progress(done, None))
    except BaseException:
        ingest.abort()
        raise
    ingest.finish()
    report.details["files"] = [p.name for p in (*query_history, *billing)]
    return report


def collect_live(client: DatabricksClient, ctx: RunContext, source: str) -> IngestReport:
    config = client.config
    report = IngestReport()

    def since(stream: str) -> datetime:
        with ctx.store.read() as conn:
            mark = get_watermark(conn, source, stream)
        if mark is None:
            return ctx.now - timedelta(days=config.initial_days)
        return datetime.fromisoformat(mark) - timedelta(hours=config.lookback_hours)

    ingest = QueryIngest(ctx.store, ctx.settings, source=source, platform=config.platform, dialect=DIALECT, now=ctx.now, report=report)
    try:
        meters: list[MeteringRecord] = []
        for names, rows in client.billing(since("billing")):
            layout = f.Layout.of(names)
            for row in rows:
                report.rows_read += 1
                try:
                    meter = usage_meter(row, layout, source=source)
                except f.FieldError as exc:
                    report.bad(f"system.billing.usage [{exc.field}]: {exc.message}")
                    continue
                if meter is not None:
                    meters.append(meter)
        meters = combine_meters(meters)
        ingest.add([], meters, watermarks={"billing": max(m.start_time for m in meters).isoformat()} if meters else None)
        for names, rows in client.query_history(since("query_history"), ctx.now):
            layout = f.Layout.of(names)
            batch: list[QueryRecord] = []
            for row in rows:
                report.rows_read += 1
                try:
                    record = statement_record(row, layout, source=source, platform=config.platform)
                except f.FieldError as exc:
                    report.bad(f"system.query.history statement {layout.getter(row)('STATEMENT_ID')} [{exc.field}]: {exc.message}")
                    continue
                if record is not None:
                    batch.append(record)
            ingest.add(batch, watermarks={"query_history": max(q.end_time for q in batch).isoformat()} if batch else None)
    except BaseException:
        ingest.abort()
        raise
    ingest.finish()
    return report
