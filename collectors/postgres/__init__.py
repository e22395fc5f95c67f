"""The PostgreSQL collector: per-statement history from the server log (or pg_stat_statements
snapshots), costed by compute-hour, and the catalog from information_schema / pg_stat_user_tables.

Log files are read incrementally: the byte offset (and line number) reached in each file is the
file's watermark, committed with the batch of statements read up to it, so a crash re-reads at most
one batch (which the store's idempotent writes absorb) and a rotated file is read from its start.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any, ClassVar

from collectors.postgres.client import PostgresClient, log_files, read_log
from collectors.postgres.config import PostgresConfig
from collectors.postgres.parse import LogContext, log_query, statement_stats, stats_interval
from observer import fields as f
from observer.model import Asset, AssetKey, AssetKind, Column, QueryRecord
from observer.plugins import IngestReport, RunContext
from observer.query_ingest import QueryIngest
from observer.store.assets import upsert_assets
from observer.store.watermarks import all_watermarks, get_watermark

__all__ = ["PostgresCollector", "PostgresConfig"]

DIALECT = "postgres"
STATS_STREAM = "pg_stat_statements"
_KINDS = {"BASE TABLE": AssetKind.TABLE, "VIEW": AssetKind.VIEW}


class PostgresCollector:
    name: ClassVar[str] = "postgres"
    config_model: ClassVar[type[PostgresConfig]] = PostgresConfig

    def __init__(self, config: PostgresConfig, source_name: str) -> None:
        self.config = config
        self.source_name = source_name

    def collect(self, ctx: RunContext) -> IngestReport:
        config, source = self.config, self.source_name
        report = IngestReport()
        lctx = LogContext(source, config.server or source, config.platform, config.default_schema)
        client = PostgresClient(config) if config.url is not None else None
        try:
            if client is not None and config.catalog:
                assets = catalog_assets(client, config.platform, source)
                with ctx.store.transaction() as conn:
                    report.rows_written += upsert_assets(conn, assets, ctx.now)
                report.details["assets"] = len(assets)
            ingest = QueryIngest(
                ctx.store, ctx.settings, source=source, platform=config.platform, dialect=DIALECT, now=ctx.now, report=report
            )
            try:
                if config.log_path is not None:
                    self._logs(ingest, ctx, lctx, report)
                if client is not None and (config.pg_stat_statements or (config.pg_stat_statements is None and config.log_path is None)):
                    self._stat_statements(client, ingest, ctx, lctx)
            except BaseException:
                ingest.abort()
                raise
            ingest.finish()
        finally:
            if client is not None:
                client.close()
        return report

    def _logs(self, ingest: QueryIngest, ctx: RunContext, lctx: LogContext, report: IngestReport) -> None:
        fmt, files = log_files(self.config, ctx.settings.base_dir)
        for path in files:
            stream = f"log:{path.name}"
            with ctx.store.read() as conn:
                mark = get_watermark(conn, self.source_name, stream)
            offset, line = (int(x) for x in mark.split(":")) if mark else (0, 1)
            for end, next_line, records in read_log(path, offset, fmt, self.config.batch_size, line):
                queries: list[QueryRecord] = []
                for number, record in records:
                    if isinstance(record, str):
                        report.bad(f"{path.name}:{number}: {record}")
                        continue
                    try:
                        q = log_query(record, lctx)
                    except f.FieldError as exc:
                        report.bad(f"{path.name}:{number} [{exc.field}]: {exc.message}")
                        continue
                    if q is not None:
                        report.rows_read += 1
                        queries.append(q)
                ingest.add(queries, watermarks={stream: f"{end}:{next_line}"})
        report.details.update(log_format=fmt, log_files=len(files))

    def _stat_statements(self, client: PostgresClient, ingest: QueryIngest, ctx: RunContext, lctx: LogContext) -> None:
        """Diff pg_stat_statements against the previous snapshot (kept as watermarks, one per statement)."""
        rows, reset = client.stat_statements()
        with ctx.store.read() as conn:
            marks = {s: v for src, s, v, _ in all_watermarks(conn) if src == self.source_name}
        previous_at = marks.get(STATS_STREAM)
        start = datetime.fromisoformat(previous_at) if previous_at else (reset or ctx.now - timedelta(hours=1))
        if reset is not None and previous_at and reset > start:
            start = reset
        queries, counters = [], {STATS_STREAM: ctx.now.isoformat()}
        for row in rows:
            stats = statement_stats(row)
            stream = "pgss:" + hashlib.sha1(stats.key.encode(), usedforsecurity=False).hexdigest()[:24]
            prev = marks.get(stream)
            before = tuple(float(x) for x in prev.split("|")) if prev else None
            q = stats_interval(
                stats, (int(before[0]), before[1], int(before[2])) if before else None, start, ctx.now, lctx
            )
            if q is not None:
                queries.append(q)
            counters[stream] = f"{stats.calls}|{stats.exec_ms!r}|{stats.rows}"
        ingest.report.rows_read += len(queries)
        ingest.add(queries, watermarks=counters)


def catalog_assets(client: PostgresClient, platform: str, source: str) -> list[Asset]:
    """Tables and views of the connected database, with columns, comments, row counts and sizes."""
    database = client.database()
    columns: dict[tuple[str, str], list[Column]] = {}
    for c in client.columns():
        columns.setdefault((c["table_schema"], c["table_name"]), []).append(
            Column(c["column_name"], c["data_type"], c["comment"], int(c["ordinal_position"]))
        )
    out = []
    for t in client.tables():
        schema, name = t["table_schema"], t["table_name"]
        quoted = ".".join('"' + p.replace('"', '""') + '"' for p in (database, schema, name))
        row: dict[str, Any] = t
        out.append(
            Asset(
                key=AssetKey.of(platform, quoted, DIALECT),
                kind=_KINDS.get(row["table_type"], AssetKind.TABLE),
                description=row["comment"],
                columns=tuple(columns.get((schema, name), ())),
                source=source,
                row_count=int(row["n_live_tup"]) if row["n_live_tup"] is not None else None,
                bytes=int(row["bytes"]) if row["bytes"] is not None else None,
            )
        )
    return out
