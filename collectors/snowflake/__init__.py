"""The Snowflake collector: query history, metering and catalog → attributed, costed queries.

Two modes, one path into the store (:class:`observer.query_ingest.QueryIngest`):

* **export files** — ``QUERY_HISTORY`` / ``WAREHOUSE_METERING_HISTORY`` (and optionally
  ``QUERY_ACCELERATION_HISTORY`` / ``QUERY_ATTRIBUTION_HISTORY``) unloaded with their own column names;
  idempotent by ``QUERY_ID``, so overlapping exports can be ingested in any order;
* **live** — the ``SNOWFLAKE.ACCOUNT_USAGE`` views, incrementally from a watermark per view with a
  look-back for late rows (the views lag by up to 45 minutes, metering by hours), each batch
  committed with its watermark; plus the catalog from ``TABLES`` / ``COLUMNS``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from collectors.snowflake.client import SnowflakeClient
from collectors.snowflake.config import SnowflakeConfig
from collectors.snowflake.parse import (
    ACCELERATION_REQUIRED,
    ATTRIBUTION_OPTIONAL,
    ATTRIBUTION_REQUIRED,
    METERING_OPTIONAL,
    METERING_REQUIRED,
    QUERY_HISTORY_OPTIONAL,
    QUERY_HISTORY_REQUIRED,
    QueryHistoryParser,
    acceleration_record,
    attributed_credits,
    catalog_assets,
    metering_record,
)
from observer import fields as f
from observer.config import Settings
from observer.exports import expand_paths, read_batches
from observer.model import MeteringRecord, QueryRecord
from observer.plugins import IngestReport, RunContext
from observer.query_ingest import QueryIngest, export_batches
from observer.store import Store
from observer.store.assets import upsert_assets
from observer.store.watermarks import get_watermark

__all__ = ["SnowflakeCollector", "SnowflakeConfig", "ingest_snowflake_exports"]

DIALECT = "snowflake"


class SnowflakeCollector:
    name: ClassVar[str] = "snowflake"
    config_model: ClassVar[type[SnowflakeConfig]] = SnowflakeConfig

    def __init__(self, config: SnowflakeConfig, source_name: str, client: SnowflakeClient | None = None) -> None:
        self.config = config
        self.source_name = source_name
        self.client = client

    def collect(self, ctx: RunContext) -> IngestReport:
        if self.config.exports:
            base = ctx.settings.base_dir
            return ingest_snowflake_exports(
                ctx.store,
                ctx.settings,
                source=self.source_name,
                query_history=expand_paths(self.config.query_history, base),
                metering=expand_paths(self.config.metering, base),
                acceleration=expand_paths(self.config.acceleration, base),
                attribution=expand_paths(self.config.attribution, base),
                platform=self.config.platform,
                now=ctx.now,
                batch_size=self.config.batch_size,
                progress=ctx.progress,
            )
        client = self.client or SnowflakeClient(self.config)
        try:
            return collect_live(client, ctx, self.source_name)
        finally:
            if self.client is None:
                client.close()


def ingest_snowflake_exports(
    store: Store,
    settings: Settings,
    *,
    source: str,
    query_history: Sequence[Path] = (),
    metering: Sequence[Path] = (),
    acceleration: Sequence[Path] = (),
    attribution: Sequence[Path] = (),
    platform: str = "snowflake",
    now: datetime,
    batch_size: int = 20_000,
    progress: Callable[[int, int | None], None] = lambda done, total: None,
    workers: int | None = None,
) -> IngestReport:
    """Ingest ACCOUNT_USAGE export files (see the module docstring); returns what was read and written.

    Bad rows are counted with ``file:line [COLUMN]``; a file without a required column fails with the
    missing column names before anything is written. ``workers`` processes analyse the SQL (default:
    two for files over a few MB, none for small ones).
    """
    report = IngestReport()
    weights: dict[str, float] = {}
    for batch in read_batches(attribution, ATTRIBUTION_REQUIRED, ATTRIBUTION_OPTIONAL, attributed_credits, report, batch_size):
        weights.update(batch)
    meters: list[MeteringRecord] = []
    for mbatch in read_batches(
        metering, METERING_REQUIRED, METERING_OPTIONAL,
        lambda row, layout: metering_record(row, layout, source=source), report, batch_size,
    ):
        meters.extend(mbatch)
    accel: list[MeteringRecord] = []
    for abatch in read_batches(
        acceleration, ACCELERATION_REQUIRED, (),
        lambda row, layout: acceleration_record(row, layout, source=source), report, batch_size,
    ):
        accel.extend(abatch)
    if workers is None:
        workers = 2 if sum(p.stat().st_size for p in query_history) > 4_000_000 else 0
    ingest = QueryIngest(
        store, settings, source=source, platform=platform, dialect=DIALECT, now=now, report=report, workers=workers
    )

    try:
        batches = export_batches(
            ingest, query_history, QUERY_HISTORY_REQUIRED, QUERY_HISTORY_OPTIONAL,
            functools.partial(QueryHistoryParser, source=source, platform=platform), report, batch_size, stream="query_history",
        )
        ingest.run(batches, meters=meters, acceleration=accel, weights=weights, progress=lambda done: progress(done, None))
    except BaseException:
        ingest.abort()
        raise
    ingest.finish()
    report.details.update(meters=len(meters), files=[p.name for p in (*query_history, *metering, *acceleration, *attribution)])
    return report


def _since(store: Store, source: str, stream: str, config: SnowflakeConfig, now: datetime) -> datetime:
    with store.read() as conn:
        mark = get_watermark(conn, source, stream)
    if mark is None:
        return now - timedelta(days=config.initial_days)
    return datetime.fromisoformat(mark) - timedelta(hours=config.lookback_hours)


def collect_live(client: SnowflakeClient, ctx: RunContext, source: str) -> IngestReport:
    """Read the ACCOUNT_USAGE views from their watermarks (see the module docstring)."""
    config = client.config
    report = IngestReport()
    ingest = QueryIngest(ctx.store, ctx.settings, source=source, platform=config.platform, dialect=DIALECT, now=ctx.now, report=report)
    try:
        if config.catalog:
            tables = [(names, row) for names, rows in client.tables() for row in rows]
            columns = [(names, row) for names, rows in client.columns() for row in rows]
            assets = catalog_assets(tables, columns, platform=config.platform, source=source)
            with ctx.store.transaction() as conn:
                report.rows_written += upsert_assets(conn, assets, ctx.now)
            report.details["assets"] = len(assets)
        weights: dict[str, float] = {}
        for names, rows in client.attribution(_since(ctx.store, source, "attribution", config, ctx.now)):
            layout = f.Layout.of(names)
            for row in rows:
                try:
                    qid, credits = attributed_credits(row, layout)
                    weights[qid] = credits
                except f.FieldError as exc:
                    report.bad(f"QUERY_ATTRIBUTION_HISTORY [{exc.field}]: {exc.message}")
        meters = _read_meters(client.metering(_since(ctx.store, source, "metering", config, ctx.now)), metering_record, source, report, "WAREHOUSE_METERING_HISTORY")
        accel = _read_meters(client.acceleration(_since(ctx.store, source, "acceleration", config, ctx.now)), acceleration_record, source, report, "QUERY_ACCELERATION_HISTORY")
        marks = {}
        if meters:
            marks["metering"] = max(m.start_time for m in meters).isoformat()
        if accel:
            marks["acceleration"] = max(m.start_time for m in accel).isoformat()
        if weights:
            marks["attribution"] = ctx.now.isoformat()
        ingest.add([], meters, acceleration=accel, weights=weights, watermarks=marks)
        done = 0
        for names, rows in client.query_history(_since(ctx.store, source, "query_history", config, ctx.now), ctx.now):
            layout = f.Layout.of(names)
            parse = QueryHistoryParser(layout, source=source, platform=config.platform)
            batch: list[QueryRecord] = []
            for row in rows:
                report.rows_read += 1
                try:
                    batch.append(parse(row))
                except f.FieldError as exc:
                    qid = row[layout.positions["QUERY_ID"]] if "QUERY_ID" in layout.positions else "?"
                    report.bad(f"QUERY_HISTORY query {qid} [{exc.field}]: {exc.message}")
            if batch:
                ingest.add(batch, weights=weights, watermarks={"query_history": max(q.end_time for q in batch).isoformat()})
            done += len(rows)
            ctx.progress(done, None)
    except BaseException:
        ingest.abort()
        raise
    ingest.finish()
    return report


def _read_meters(
    batches: Any, make: Callable[..., MeteringRecord], source: str, report: IngestReport, view: str
) -> list[MeteringRecord]:
    out = []
    for names, rows in batches:
        layout = f.Layout.of(names)
        for row in rows:
            report.rows_read += 1
            try:
                out.append(make(row, layout, source=source))
            except f.FieldError as exc:
                report.bad(f"{view} [{exc.field}]: {exc.message}")
    return out
