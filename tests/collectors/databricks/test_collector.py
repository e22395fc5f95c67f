"""Databricks: the live statements run on DuckDB tables laid out like ``system.query.history`` and
``system.billing.usage`` (structs included), and the same rows exported as JSON Lines."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import select

from collectors.databricks import DatabricksCollector, DatabricksConfig, ingest_databricks_exports
from collectors.databricks.client import DatabricksClient
from observer.config import Settings
from observer.plugins import RunContext
from observer.store import Store
from observer.store.tables import cost_lines, queries

NOW = datetime(2026, 3, 3, tzinfo=UTC)
SETTINGS = Settings(pricing={"databricks_dbu_usd": 0.70})
COMPUTE = "STRUCT(type VARCHAR, cluster_id VARCHAR, warehouse_id VARCHAR)"
SOURCE = "STRUCT(job_info STRUCT(job_id VARCHAR, job_run_id VARCHAR, job_task_run_id VARCHAR), dashboard_id VARCHAR)"


def system_tables() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS dbx; CREATE SCHEMA dbx.query; CREATE SCHEMA dbx.billing")
    con.execute(
        f"CREATE TABLE dbx.query.history (account_id VARCHAR, workspace_id VARCHAR, statement_id VARCHAR, session_id VARCHAR, "
        f"execution_status VARCHAR, compute {COMPUTE}, executed_by_user_id VARCHAR, executed_by VARCHAR, executed_as VARCHAR, "
        "statement_text VARCHAR, statement_type VARCHAR, error_message VARCHAR, client_application VARCHAR, total_duration_ms BIGINT, "
        "waiting_for_compute_duration_ms BIGINT, waiting_at_capacity_duration_ms BIGINT, execution_duration_ms BIGINT, "
        "compilation_duration_ms BIGINT, total_task_duration_ms BIGINT, result_fetch_duration_ms BIGINT, start_time TIMESTAMP, "
        f"end_time TIMESTAMP, update_time TIMESTAMP, read_rows BIGINT, produced_rows BIGINT, read_bytes BIGINT, from_result_cache BOOLEAN, "
        f"written_bytes BIGINT, written_rows BIGINT, query_source {SOURCE})"
    )
    wh = {"type": "WAREHOUSE", "cluster_id": None, "warehouse_id": "wh1"}
    job = {"job_info": {"job_id": "77", "job_run_id": "9001", "job_task_run_id": "9002"}, "dashboard_id": None}
    none = {"job_info": None, "dashboard_id": None}
    rows = [
        ("s1", "FINISHED", wh, "etl@acme.example", "INSERT INTO main.sales.daily SELECT * FROM main.sales.orders", "INSERT",
         0, 0, 1800000, 0, 300000, "2026-03-02 09:00:00", "2026-03-02 09:30:00", False, job),
        ("s2", "FINISHED", wh, "bob@acme.example", "SELECT region, sum(amount) FROM main.sales.daily GROUP BY 1", "SELECT",
         0, 0, 600000, 0, 100000, "2026-03-02 09:10:00", "2026-03-02 09:20:00", False, none),
        ("s3", "FINISHED", wh, "bob@acme.example", "SELECT region, sum(amount) FROM main.sales.daily GROUP BY 1", "SELECT",
         0, 0, 5, 0, 0, "2026-03-02 09:21:00", "2026-03-02 09:21:01", True, none),
        ("s4", "RUNNING", wh, "bob@acme.example", "SELECT 1", "SELECT", 0, 0, 0, 0, 0, "2026-03-02 09:25:00", "2026-03-02 09:25:00", False, none),
    ]
    con.executemany(
        "INSERT INTO dbx.query.history (statement_id, execution_status, compute, executed_by, statement_text, statement_type, "
        "waiting_for_compute_duration_ms, waiting_at_capacity_duration_ms, execution_duration_ms, compilation_duration_ms, "
        "total_task_duration_ms, start_time, end_time, from_result_cache, query_source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    con.execute(
        "CREATE TABLE dbx.billing.usage (record_id VARCHAR, workspace_id VARCHAR, sku_name VARCHAR, usage_start_time TIMESTAMP, "
        "usage_end_time TIMESTAMP, usage_date DATE, custom_tags MAP(VARCHAR, VARCHAR), usage_unit VARCHAR, usage_quantity DECIMAL(38,18), "
        "usage_metadata STRUCT(cluster_id VARCHAR, job_id VARCHAR, warehouse_id VARCHAR, instance_pool_id VARCHAR, node_type VARCHAR), "
        "identity_metadata STRUCT(run_as VARCHAR, owned_by VARCHAR), record_type VARCHAR)"
    )
    con.executemany(
        "INSERT INTO dbx.billing.usage (record_id, sku_name, usage_start_time, usage_end_time, usage_date, usage_unit, usage_quantity, "
        "usage_metadata, record_type) VALUES (?, ?, ?, ?, DATE '2026-03-02', 'DBU', ?, ?, ?)",
        [
            ("r1", "PREMIUM_SERVERLESS_SQL_COMPUTE", "2026-03-02 09:00:00", "2026-03-02 10:00:00", 12, {"warehouse_id": "wh1"}, "ORIGINAL"),
            ("r2", "PREMIUM_SERVERLESS_SQL_COMPUTE", "2026-03-02 09:00:00", "2026-03-02 10:00:00", -2, {"warehouse_id": "wh1"}, "RETRACTION"),
            ("r3", "PREMIUM_JOBS_COMPUTE", "2026-03-02 09:00:00", "2026-03-02 10:00:00", 50, {"cluster_id": "c1"}, "ORIGINAL"),
        ],
    )
    return con


def check(store: Store) -> None:
    with store.read() as conn:
        lines = {q: (c, usd) for q, c, usd in conn.execute(select(cost_lines.c.query_id, cost_lines.c.credits, cost_lines.c.cost_usd))}
        rows = {r.query_id: r for r in conn.execute(select(queries))}
    # 10 DBUs that hour (12 billed, 2 retracted; the jobs cluster's DBUs are not a SQL warehouse's)
    # shared 300,000 : 100,000 task-ms; the cached statement ran no tasks
    assert lines == {"s1": (pytest.approx(7.5), pytest.approx(5.25)), "s2": (pytest.approx(2.5), pytest.approx(1.75))}
    assert set(rows) == {"s1", "s2", "s3"}
    assert (rows["s1"].attribution_rule, rows["s1"].asset_key) == ("write_target", "databricks://main.sales.daily")
    assert rows["s1"].comment_meta["job_id"] == "77"
    assert rows["s3"].compute_weight == 0


def test_live_system_tables(store: Store) -> None:
    config = DatabricksConfig(server_hostname="dbc-1.cloud.databricks.com", http_path="/sql/1.0/warehouses/wh1", system_catalog="dbx")
    collector = DatabricksCollector(config, "dbx", client=DatabricksClient(config, connection=system_tables()))
    report = collector.collect(RunContext(store, SETTINGS, NOW))
    assert report.rows_bad == 0
    check(store)
    assert collector.collect(RunContext(store, SETTINGS, NOW)).rows_written == 0


def test_exported_system_tables(store: Store, tmp_path: Path) -> None:
    con = system_tables()
    history, usage = tmp_path / "query_history.jsonl", tmp_path / "billing_usage.jsonl"
    con.execute(f"COPY (SELECT * FROM dbx.query.history) TO '{history}' (FORMAT json)")  # noqa: S608 - test paths
    con.execute(f"COPY (SELECT * FROM dbx.billing.usage) TO '{usage}' (FORMAT json)")  # noqa: S608 - test paths
    report = ingest_databricks_exports(store, SETTINGS, source="dbx", query_history=[history], billing=[usage], now=NOW)
    assert report.rows_bad == 0
    check(store)
