"""The DuckDB collector: a database file's catalog — tables, views, columns, comments, row counts —
and its schema over time (snapshots), under any platform's keys (``platform: snowflake`` when the
file stands in for a Snowflake database)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from collectors.duckdb.client import DuckDBClient
from collectors.duckdb.config import DuckDBConfig
from collectors.duckdb.parse import catalog_assets, snapshot_columns
from observer import fields as f
from observer.errors import InputError
from observer.plugins import IngestReport, RunContext
from observer.store.assets import upsert_assets
from observer.store.schemas import record_snapshots
from observer.store.watermarks import get_watermark, set_watermark

__all__ = ["DuckDBCollector", "DuckDBConfig"]

SNAPSHOT_STREAM = "schema_snapshots"


class DuckDBCollector:
    name: ClassVar[str] = "duckdb"
    config_model: ClassVar[type[DuckDBConfig]] = DuckDBConfig

    def __init__(self, config: DuckDBConfig, source_name: str) -> None:
        self.config = config
        self.source_name = source_name

    def collect(self, ctx: RunContext) -> IngestReport:
        report = IngestReport()
        client = DuckDBClient(self.config, ctx.settings.base_dir)
        platform, database = self.config.platform, client.catalog_name
        # 1. earlier snapshots (files), oldest first, each once
        with ctx.store.read() as conn:
            mark = get_watermark(conn, self.source_name, SNAPSHOT_STREAM)
        replayed = datetime.fromisoformat(mark) if mark else None
        for name, payload in client.snapshot_files():
            try:
                captured, tables = snapshot_columns(payload, platform=platform, database=database, file=name)
            except f.FieldError as exc:
                raise InputError(exc.message, file=name, field=exc.field) from None
            if replayed is not None and captured <= replayed:
                continue
            with ctx.store.transaction() as conn:
                report.rows_written += record_snapshots(conn, tables, captured)
                set_watermark(conn, self.source_name, captured.isoformat(), ctx.now, SNAPSHOT_STREAM)
            replayed = captured
        # 2. the catalog as it is now
        tables, columns, counts = client.catalog()
        assets = catalog_assets(tables, columns, counts, platform=platform, database=database, source=self.source_name)
        report.rows_read += len(assets)
        with ctx.store.transaction() as conn:
            report.rows_written += upsert_assets(conn, assets, ctx.now)
            taken = max(ctx.now, replayed) if replayed else ctx.now
            report.rows_written += record_snapshots(conn, [(a.key, a.columns) for a in assets], taken)
        report.details.update(tables=len(assets), database=database, platform=platform)
        return report
