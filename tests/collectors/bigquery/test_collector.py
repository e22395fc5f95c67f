"""BigQuery jobs: exported JOBS rows (JSON Lines) and the live INFORMATION_SCHEMA.JOBS statement run by
DuckDB over a table laid out like the view (transpiled by sqlglot)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
from sqlalchemy import select

from collectors.bigquery import BigQueryCollector, BigQueryConfig, ingest_bigquery_jobs
from collectors.bigquery.client import BigQueryClient
from observer.config import Settings
from observer.model import AssetKey
from observer.plugins import RunContext
from observer.store import Store
from observer.store.assets import get_asset
from observer.store.tables import cost_lines, queries

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 3, 3, tzinfo=UTC)
SETTINGS = Settings(pricing={"bigquery_tib_usd": 6.25, "bigquery_slot_hour_usd": 0.04})
MIB = 1024 * 1024


def costs(store: Store) -> dict[str, tuple[str, float, float]]:
    with store.read() as conn:
        rows = conn.execute(select(cost_lines.c.query_id, cost_lines.c.kind, cost_lines.c.credits, cost_lines.c.cost_usd))
        return {q: (k, c, usd) for q, k, c, usd in rows}


def test_exported_jobs_are_priced_by_bytes_or_slots(store: Store) -> None:
    report = ingest_bigquery_jobs(store, SETTINGS, source="bq", files=[FIXTURES / "jobs.jsonl"], now=NOW)
    assert report.errors == ["jobs.jsonl:7 [CREATION_TIME]: missing timestamp"]
    c = costs(store)
    assert c["acme-analytics:bquxjob_1"] == ("bytes", pytest.approx(2.0), pytest.approx(12.5))
    # 1 byte over two referenced tables: billed the 10 MiB minimum per table
    assert c["acme-analytics:bquxjob_2"] == ("bytes", pytest.approx(20 * MIB / 1024**4), pytest.approx(6.25 * 20 * MIB / 1024**4))
    assert c["acme-analytics:bquxjob_res"] == ("slot", pytest.approx(2.0), pytest.approx(0.08))
    assert "acme-analytics:bquxjob_3" not in c  # cache hit: free
    with store.read() as conn:
        ids = {r[0]: r[1:] for r in conn.execute(select(queries.c.query_id, queries.c.attribution_rule, queries.c.asset_key))}
    assert "acme-analytics:script_1" not in ids  # the script parent; its child carries the work
    assert ids["acme-analytics:script_1_child"] == ("write_target", "bigquery://acme-analytics.marts.daily")
    assert ids["acme-analytics:bquxjob_res"] == ("write_target", "bigquery://acme-analytics.marts.customers")
    again = ingest_bigquery_jobs(store, SETTINGS, source="bq", files=[FIXTURES / "jobs.jsonl"], now=NOW)
    assert again.rows_written == 0


VIEW = re.compile(r"`[^`]+`\.`region-[^`]+`\.INFORMATION_SCHEMA\.(\w+)")


def duckdb_runner(con: duckdb.DuckDBPyConnection) -> Any:
    """The live statements, transpiled from BigQuery to DuckDB, over tables shaped like the
    INFORMATION_SCHEMA views (``bq_jobs``, ``bq_tables`` …)."""

    def run(sql: str, params: dict[str, Any]) -> Iterator[tuple[list[str], list[tuple[Any, ...]]]]:
        local = sqlglot.transpile(VIEW.sub(lambda m: f"bq_{m.group(1).lower()}", sql), read="bigquery", write="duckdb")[0]
        cur = con.execute(local, {k: v.replace(tzinfo=None) for k, v in params.items()})
        names = [d[0].upper() for d in cur.description]
        while rows := cur.fetchmany(2):
            yield names, rows

    return run


def jobs_view() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE bq_jobs (job_id VARCHAR, project_id VARCHAR, user_email VARCHAR, creation_time TIMESTAMP, "
        "start_time TIMESTAMP, end_time TIMESTAMP, job_type VARCHAR, statement_type VARCHAR, state VARCHAR, query VARCHAR, "
        "total_bytes_processed BIGINT, total_bytes_billed BIGINT, total_slot_ms BIGINT, cache_hit BOOLEAN, reservation_id VARCHAR, "
        "labels STRUCT(key VARCHAR, value VARCHAR)[], referenced_tables STRUCT(project_id VARCHAR, dataset_id VARCHAR, table_id VARCHAR)[], "
        "destination_table STRUCT(project_id VARCHAR, dataset_id VARCHAR, table_id VARCHAR), "
        "error_result STRUCT(reason VARCHAR, location VARCHAR, debug_info VARCHAR, message VARCHAR), parent_job_id VARCHAR)"
    )
    for line in (FIXTURES / "jobs.jsonl").read_text().splitlines():
        job = json.loads(line)
        if job["creation_time"] is None:
            continue
        for k in ("creation_time", "start_time", "end_time"):
            job[k] = job[k].removesuffix(" UTC")
        job.setdefault("total_bytes_billed", None)
        job.setdefault("total_slot_ms", None)
        cols = list(job)
        con.execute(f"INSERT INTO bq_jobs ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})", [job[c] for c in cols])  # noqa: S608
    con.execute(
        "CREATE TABLE bq_tables (table_catalog VARCHAR, table_schema VARCHAR, table_name VARCHAR, table_type VARCHAR, "
        "is_insertable_into VARCHAR, creation_time TIMESTAMP, ddl VARCHAR)"
    )
    con.execute(
        "INSERT INTO bq_tables VALUES ('acme-analytics', 'marts', 'daily', 'BASE TABLE', 'YES', '2026-01-01', ''), "
        "('acme-analytics', 'marts', 'daily_v', 'VIEW', 'NO', '2026-01-01', '')"
    )
    con.execute(
        "CREATE TABLE bq_table_storage (project_id VARCHAR, table_schema VARCHAR, table_name VARCHAR, total_rows BIGINT, "
        "total_logical_bytes BIGINT)"
    )
    con.execute("INSERT INTO bq_table_storage VALUES ('acme-analytics', 'marts', 'daily', 365, 40960)")
    con.execute(
        "CREATE TABLE bq_table_options (table_catalog VARCHAR, table_schema VARCHAR, table_name VARCHAR, option_name VARCHAR, "
        "option_type VARCHAR, option_value VARCHAR)"
    )
    con.execute("""INSERT INTO bq_table_options VALUES ('acme-analytics', 'marts', 'daily', 'description', 'STRING', '"Revenue per day"')""")
    con.execute(
        "CREATE TABLE bq_columns (table_catalog VARCHAR, table_schema VARCHAR, table_name VARCHAR, column_name VARCHAR, "
        "ordinal_position BIGINT, is_nullable VARCHAR, data_type VARCHAR)"
    )
    con.execute(
        "INSERT INTO bq_columns VALUES ('acme-analytics', 'marts', 'daily', 'day', 1, 'NO', 'DATE'), "
        "('acme-analytics', 'marts', 'daily', 'revenue', 2, 'YES', 'NUMERIC')"
    )
    return con


def test_live_jobs_view_is_read_from_the_watermark(store: Store) -> None:
    config = BigQueryConfig(project="acme-analytics", region="us", initial_days=30, lookback_hours=6)
    client = BigQueryClient(config, runner=duckdb_runner(jobs_view()))
    collector = BigQueryCollector(config, "bq", client=client)
    report = collector.collect(RunContext(store, SETTINGS, NOW))
    assert report.rows_bad == 0
    c = costs(store)
    assert c["acme-analytics:bquxjob_1"][2] == pytest.approx(12.5)
    assert c["acme-analytics:bquxjob_res"][:2] == ("slot", pytest.approx(2.0))
    assert report.rows_read == 5  # the SCRIPT parent is filtered by the statement itself
    with store.read() as conn:
        daily = get_asset(conn, AssetKey("bigquery", "acme-analytics.marts.daily"))
    assert daily is not None
    assert (daily.row_count, daily.bytes, daily.description) == (365, 40960, "Revenue per day")
    assert [(c.name, c.data_type) for c in daily.columns] == [("day", "DATE"), ("revenue", "NUMERIC")]
    assert collector.collect(RunContext(store, SETTINGS, NOW)).rows_written == 0
