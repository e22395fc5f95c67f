"""The Redshift collector: ``SYS_QUERY_HISTORY`` (live, incrementally from a watermark with a
look-back, or exported) → attributed queries costed by compute-hour of the cluster."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import ClassVar

from collectors.redshift.client import RedshiftClient
from collectors.redshift.config import RedshiftConfig
from collectors.redshift.parse import OPTIONAL, REQUIRED, query_record
from observer import fields as f
from observer.config import Settings
from observer.exports import expand_paths
from observer.history_analysis import RowMaker
from observer.model import QueryRecord
from observer.plugins import IngestReport, RunContext
from observer.query_ingest import QueryIngest, export_batches
from observer.store import Store
from observer.store.watermarks import get_watermark

__all__ = ["RedshiftCollector", "RedshiftConfig", "ingest_redshift_exports"]

DIALECT = "redshift"


class RedshiftCollector:
    name: ClassVar[str] = "redshift"
    config_model: ClassVar[type[RedshiftConfig]] = RedshiftConfig

    def __init__(self, config: RedshiftConfig, source_name: str, client: RedshiftClient | None = None) -> None:
        self.config = config
        self.source_name = source_name
        self.client = client

    def collect(self, ctx: RunContext) -> IngestReport:
        if self.config.query_history:
            return ingest_redshift_exports(
                ctx.store, ctx.settings, self.config, source=self.source_name,
                files=expand_paths(self.config.query_history, ctx.settings.base_dir), now=ctx.now, progress=ctx.progress,
            )
        client = self.client or RedshiftClient(self.config)
        try:
            return collect_live(client, ctx, self.source_name)
        finally:
            if self.client is None:
                client.close()


def ingest_redshift_exports(
    store: Store,
    settings: Settings,
    config: RedshiftConfig,
    *,
    source: str,
    files: Sequence[Path],
    now: datetime,
    progress: Callable[[int, int | None], None] = lambda done, total: None,
) -> IngestReport:
    """Ingest SYS_QUERY_HISTORY rows exported as CSV (with header) or JSON Lines."""
    report = IngestReport()
    cluster = config.cluster or source
    workers = 2 if sum(p.stat().st_size for p in files) > 4_000_000 else 0
    ingest = QueryIngest(store, settings, source=source, platform=config.platform, dialect=DIALECT, now=now, report=report, workers=workers)

    try:
        factory = functools.partial(
            RowMaker, query_record, source=source, cluster=cluster, platform=config.platform, default_schema=config.default_schema
        )
        batches = export_batches(ingest, files, REQUIRED, OPTIONAL, factory, report, config.batch_size)
        ingest.run(batches, progress=lambda done: progress(done, None))
    except BaseException:
        ingest.abort()
        raise
    ingest.finish()
    report.details["files"] = [p.name for p in files]
    return report


def collect_live(client: RedshiftClient, ctx: RunContext, source: str) -> IngestReport:
    config = client.config
    report = IngestReport()
    cluster = config.cluster or source
    with ctx.store.read() as conn:
        mark = get_watermark(conn, source, "query_history")
    since = (
        datetime.fromisoformat(mark) - timedelta(hours=config.lookback_hours) if mark else ctx.now - timedelta(days=config.initial_days)
    )
    ingest = QueryIngest(ctx.store, ctx.settings, source=source, platform=config.platform, dialect=DIALECT, now=ctx.now, report=report)
    try:
        for names, rows in client.query_history(since, ctx.now):
            layout = f.Layout.of(names)
            batch: list[QueryRecord] = []
            for row in rows:
                report.rows_read += 1
                try:
                    record = query_record(row, layout, source=source, cluster=cluster, platform=config.platform, default_schema=config.default_schema)
                except f.FieldError as exc:
                    report.bad(f"SYS_QUERY_HISTORY query {layout.getter(row)('QUERY_ID')} [{exc.field}]: {exc.message}")
                    continue
                if record is not None:
                    batch.append(record)
            ingest.add(batch, watermarks={"query_history": max(q.end_time for q in batch).isoformat()} if batch else None)
    except BaseException:
        ingest.abort()
        raise
    ingest.finish()
    return report
