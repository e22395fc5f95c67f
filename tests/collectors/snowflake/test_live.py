"""The live Snowflake collector's SQL, run against DuckDB tables laid out exactly like
``SNOWFLAKE.ACCOUNT_USAGE`` (fakesnow has no ACCOUNT_USAGE; Snowflake cannot run here).

The views hold the worked example of docs/costs.md (the export fixtures loaded as the views' rows).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import select

from collectors.snowflake import SnowflakeCollector, SnowflakeConfig
from collectors.snowflake.client import SnowflakeClient
from observer.config import Settings
from observer.model import AssetKey
from observer.plugins import RunContext
from observer.store import Store
from observer.store.assets import get_asset
from observer.store.watermarks import get_watermark
from tests.collectors.snowflake.test_export import Q1, Q2, Q3, SETTINGS, per_query

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 3, 3, tzinfo=UTC)
TS = "TRY_CAST(substr({c}, 1, 23) AS TIMESTAMP)"


def _load_view(con: duckdb.DuckDBPyConnection, view: str, file: Path) -> None:
    """A view's rows from its export file, timestamps typed as the view has them (UTC session)."""
    con.execute(
        f"CREATE TABLE {view} AS SELECT * REPLACE ({TS.format(c='START_TIME')} AS START_TIME, "  # noqa: S608 - test fixture names
        f"{TS.format(c='END_TIME')} AS END_TIME) FROM read_csv('{file}', header=true, "
        "types={'START_TIME': 'VARCHAR', 'END_TIME': 'VARCHAR'})"
    )


def fake_account_usage() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS snowflake; CREATE SCHEMA snowflake.account_usage; USE snowflake.account_usage")
    for view, file in (
        ("query_history", "query_history.csv"),
        ("warehouse_metering_history", "warehouse_metering_history.csv"),
        ("query_acceleration_history", "query_acceleration_history.csv"),
    ):
        _load_view(con, view, FIXTURES / file)
    con.execute(
        "CREATE TABLE tables (TABLE_ID BIGINT, TABLE_NAME VARCHAR, TABLE_SCHEMA_ID BIGINT, TABLE_SCHEMA VARCHAR, "
        "TABLE_CATALOG_ID BIGINT, TABLE_CATALOG VARCHAR, TABLE_OWNER VARCHAR, TABLE_TYPE VARCHAR, ROW_COUNT BIGINT, "
        "BYTES BIGINT, CREATED TIMESTAMP, LAST_ALTERED TIMESTAMP, COMMENT VARCHAR, DELETED TIMESTAMP)"
    )
    con.execute(
        "INSERT INTO tables VALUES (1, 'FCT_ORDERS', 10, 'MARTS', 7, 'ANALYTICS', 'TRANSFORMER', 'BASE TABLE', 1000, 52224, "
        "'2026-01-01', '2026-03-02 09:23:00', 'One row per order', NULL), "
        "(2, 'OLD_ORDERS', 10, 'MARTS', 7, 'ANALYTICS', 'TRANSFORMER', 'BASE TABLE', 5, 1024, '2025-01-01', '2025-01-01', NULL, '2026-01-02')"
    )
    con.execute(
        "CREATE TABLE columns (COLUMN_ID BIGINT, COLUMN_NAME VARCHAR, TABLE_ID BIGINT, TABLE_NAME VARCHAR, TABLE_SCHEMA VARCHAR, "
        "TABLE_CATALOG VARCHAR, ORDINAL_POSITION INTEGER, DATA_TYPE VARCHAR, COMMENT VARCHAR, DELETED TIMESTAMP)"
    )
    con.execute(
        "INSERT INTO columns VALUES (1, 'ORDER_ID', 1, 'FCT_ORDERS', 'MARTS', 'ANALYTICS', 1, 'NUMBER', 'order key', NULL), "
        "(2, 'AMOUNT', 1, 'FCT_ORDERS', 'MARTS', 'ANALYTICS', 2, 'NUMBER', NULL, NULL)"
    )
    return con


def collect(store: Store, con: duckdb.DuckDBPyConnection, now: datetime = NOW, settings: Settings = SETTINGS):  # type: ignore[no-untyped-def]
    config = SnowflakeConfig(account="larkspur-prod", user="OBSERVER", lookback_hours=72, initial_days=30)
    collector = SnowflakeCollector(config, "snowflake", client=SnowflakeClient(config, connection=con))
    return collector.collect(RunContext(store, settings, now))


def test_live_views_cost_the_worked_example_and_fill_the_catalog(store: Store) -> None:
    con = fake_account_usage()
    report = collect(store, con)
    assert per_query(store) == {
        Q1: pytest.approx((0.435, 1.0875)),
        Q2: pytest.approx((0.9775, 2.44375)),
        Q3: pytest.approx((0.3375, 0.84375)),
        "idle:TRANSFORMING": pytest.approx((0.2, 0.5)),
    }
    assert report.rows_bad == 2
    assert any("[START_TIME]: missing timestamp" in e for e in report.errors)
    with store.read() as conn:
        fct = get_asset(conn, AssetKey("snowflake", "analytics.marts.fct_orders"))
        gone = get_asset(conn, AssetKey("snowflake", "analytics.marts.old_orders"))
        mark = get_watermark(conn, "snowflake", "query_history")
    assert fct is not None and gone is None  # dropped tables are not catalogued
    assert (fct.row_count, fct.description, [c.name for c in fct.columns]) == (1000, "One row per order", ["order_id", "amount"])
    assert mark == "2026-03-02T11:05:00.040000+00:00"


def test_a_second_run_adds_late_rows_inside_the_look_back(store: Store) -> None:
    con = fake_account_usage()
    collect(store, con)
    assert collect(store, con, NOW + timedelta(minutes=30)).rows_written == 0
    # a row that ended before the watermark but only now reached ACCOUNT_USAGE (latency)
    con.execute(
        "INSERT INTO query_history (QUERY_ID, QUERY_TEXT, USER_NAME, WAREHOUSE_NAME, EXECUTION_STATUS, START_TIME, END_TIME, "
        "EXECUTION_TIME, COMPILATION_TIME) VALUES ('late-1', 'select 42', 'CAROL', 'TRANSFORMING', 'SUCCESS', "
        "'2026-03-02 10:45:00', '2026-03-02 10:55:00', 600000, 0)"
    )
    report = collect(store, con, NOW + timedelta(hours=1))
    assert report.rows_written == 1
    t = per_query(store)
    # hour 10 is now shared by Q2 (20 min), Q3 (10 min) and the late query (10 min)
    assert t["late-1"][0] == pytest.approx(0.6 * 10 / 40)


def test_query_attribution_history_weights_replace_execution_time(store: Store) -> None:
    con = fake_account_usage()
    con.execute(
        "CREATE TABLE query_attribution_history (QUERY_ID VARCHAR, PARENT_QUERY_ID VARCHAR, ROOT_QUERY_ID VARCHAR, "
        "WAREHOUSE_ID BIGINT, WAREHOUSE_NAME VARCHAR, QUERY_HASH VARCHAR, QUERY_PARAMETERIZED_HASH VARCHAR, QUERY_TAG VARCHAR, "
        "USER_NAME VARCHAR, START_TIME TIMESTAMP, END_TIME TIMESTAMP, CREDITS_ATTRIBUTED_COMPUTE DOUBLE, "
        "CREDITS_USED_QUERY_ACCELERATION DOUBLE)"
    )
    con.executemany(
        "INSERT INTO query_attribution_history (QUERY_ID, START_TIME, END_TIME, CREDITS_ATTRIBUTED_COMPUTE) VALUES (?, ?, ?, ?)",
        [(Q1, "2026-03-02 09:10:00", "2026-03-02 09:23:00", 0.1), (Q2, "2026-03-02 09:40:00", "2026-03-02 10:20:00", 0.3)],
    )
    collect(store, con)
    with store.read() as conn:
        from observer.store.tables import cost_lines

        hour9 = {
            q: c for q, c in conn.execute(
                select(cost_lines.c.query_id, cost_lines.c.credits).where(
                    cost_lines.c.kind == "compute", cost_lines.c.hour == datetime(2026, 3, 2, 9, tzinfo=UTC)
                )
            )
        }
    # Q1's 0.1 credits all fall in hour 9; Q2's 0.3 spread over 18 of its 38 minutes there
    q2_share = 0.3 * 18 / 38
    assert hour9[Q1] == pytest.approx(0.9 * 0.1 / (0.1 + q2_share))
    assert hour9[Q2] == pytest.approx(0.9 * q2_share / (0.1 + q2_share))
