"""The BigQuery collector: query jobs (live from INFORMATION_SCHEMA.JOBS, or JOBS exported as JSON
Lines) → attributed queries priced by bytes billed or, on reservations, by slot time; live, also
the region's tables and columns (INFORMATION_SCHEMA.TABLES, TABLE_STORAGE, TABLE_OPTIONS, COLUMNS)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import ClassVar

from collectors.bigquery.client import BigQueryClient
from collectors.bigquery.config import BigQueryConfig
from collectors.bigquery.parse import OPTIONAL, REQUIRED, catalog_assets, job_record
from observer import fields as f
from observer.config import Settings
from observer.exports import expand_paths
from observer.history_analysis import RowMaker
from observer.model import QueryRecord
from observer.plugins import IngestReport, RunContext
from observer.query_ingest import QueryIngest, export_batches
from observer.store import Store
from observer.store.assets import upsert_assets
from observer.store.watermarks import get_watermark

__all__ = ["BigQueryCollector", "BigQueryConfig", "ingest_bigquery_jobs"]

DIALECT = "bigquery"


class BigQueryCollector:
    name: ClassVar[str] = "bigquery"
    config_model: ClassVar[type[BigQueryConfig]] = BigQueryConfig

    def __init__(self, config: BigQueryConfig, source_name: str, client: BigQueryClient | None = None) -> None:
        self.config = config
        self.source_name = source_name
        self.client = client

    def collect(self, ctx: RunContext) -> IngestReport:
        if self.config.jobs:
            return ingest_bigquery_jobs(
                ctx.store, ctx.settings, source=self.source_name, files=expand_paths(self.config.jobs, ctx.settings.base_dir),
                platform=self.config.platform, now=ctx.now, batch_size=self.config.batch_size, progress=ctx.progress,
            )
        return collect_live(self.client or BigQueryClient(self.config), ctx, self.source_name)


def _records(rows: Sequence[QueryRecord | None]) -> list[QueryRecord]:
    return [r for r in rows if r is not None]


def ingest_bigquery_jobs(
    store: Store,
    settings: Settings,
    *,
    source: str,
    files: Sequence[Path],
    platform: str = "bigquery",
    now: datetime,
    batch_size: int = 20_000,
    progress: Callable[[int, int | None], None] = lambda done, total: None,
) -> IngestReport:
    """Ingest JOBS rows exported as JSON Lines (or CSV with the view's column names)."""
    report = IngestReport()
    workers = 2 if sum(p.stat().st_size for p in files) > 4_000_000 else 0
    ingest = QueryIngest(store, settings, source=source, platform=platform, dialect=DIALECT, now=now, report=report, workers=workers)

    try:
        factory = functools.partial(RowMaker, job_record, source=source, platform=platform)
        batches = export_batches(ingest, files, REQUIRED, OPTIONAL, factory, report, batch_size, stream="jobs")
        ingest.run(batches, progress=lambda done: progress(done, None))
    except BaseException:
        ingest.abort()
        raise
    ingest.finish()
    report.details["files"] = [p.name for p in files]
    return report


def collect_live(client: BigQueryClient, ctx: RunContext, source: str) -> IngestReport:
    """Jobs created since the watermark (minus the look-back), each batch committed with it."""
    config = client.config
    report = IngestReport()
    with ctx.store.read() as conn:
        mark = get_watermark(conn, source, "jobs")
    since = (
        datetime.fromisoformat(mark) - timedelta(hours=config.lookback_hours)
        if mark
        else ctx.now - timedelta(days=config.initial_days)
    )
    if config.catalog:
        tables = [(names, row) for names, rows in client.tables() for row in rows]
        columns = [(names, row) for names, rows in client.columns() for row in rows]
        assets = catalog_assets(tables, columns, platform=config.platform, source=source)
        with ctx.store.transaction() as conn:
            report.rows_written += upsert_assets(conn, assets, ctx.now)
        report.details["assets"] = len(assets)
    ingest = QueryIngest(ctx.store, ctx.settings, source=source, platform=config.platform, dialect=DIALECT, now=ctx.now, report=report)
    try:
        for names, rows in client.jobs(since, ctx.now):
            layout = f.Layout.of(names)
            batch: list[QueryRecord] = []
            created: list[datetime] = []
            for row in rows:
                report.rows_read += 1
                try:
                    record = job_record(row, layout, source=source, platform=config.platform)
                    created.append(f.timestamp(layout.getter(row)("CREATION_TIME"), "CREATION_TIME"))
                except f.FieldError as exc:
                    report.bad(f"INFORMATION_SCHEMA.JOBS job {layout.getter(row)('JOB_ID')} [{exc.field}]: {exc.message}")
                    continue
                if record is not None:
                    batch.append(record)
            marks = {"jobs": max(created).isoformat()} if created else {}
            ingest.add(batch, watermarks=marks)
    except BaseException:
        ingest.abort()
        raise
    ingest.finish()
    return report
