"""Schema changes with downstream impact, quality expectations pushed down, dbt tests that stop running."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from checks.quality import failing_rows_query
from checks.schema import diff_columns
from observer.checking import run_checks
from observer.model import AssetKey, CheckResult, CheckStatus, Column, LineageEdge, Severity
from observer.store import open_store
from observer.store.check_results import record_check_results
from observer.store.lineage import add_edges
from tests.checks.conftest import NOW, settings_for

SCHEMA = {"type": "schema", "name": "schema-changes", "assets": ["analytics.raw.*", "analytics.marts.*"]}


def test_diff_names_renames_removals_additions_and_type_changes():
    old = [
        Column("id", "bigint", position=1),
        Column("discount_code", "varchar", position=2),
        Column("amount", "integer", position=3),
    ]
    new = [
        Column("id", "bigint", position=1),
        Column("promo_code", "varchar", position=2),
        Column("amount", "double", position=3),
        Column("note", "varchar", position=4),
    ]
    diff = diff_columns(old, new)
    assert diff.renamed == (("discount_code", "promo_code"),)
    assert diff.retyped == (("amount", "integer", "double"),)
    assert diff.added == ("note",) and diff.removed == ()
    assert set(diff.breaking) == {"discount_code", "amount"}


def test_schema_change_with_downstream_impact(warehouse, tmp_path):
    settings = settings_for(warehouse, [SCHEMA], tmp_path)
    store = open_store(settings.store_url)
    first = run_checks(settings, store, NOW)
    assert first.results and all(r.status == CheckStatus.PASS for r in first.results)
    key = lambda n: AssetKey("snowflake", n)  # noqa: E731
    with store.transaction() as conn:
        add_edges(
            conn,
            [
                LineageEdge(
                    key("analytics.raw.payments"),
                    key("analytics.marts.fct_payments"),
                    "sql",
                    "status",
                    "payment_status",
                ),
                LineageEdge(
                    key("analytics.marts.fct_payments"),
                    key("analytics.marts.rpt_daily"),
                    "sql",
                    "payment_status",
                    "failed_share",
                ),
                LineageEdge(
                    key("analytics.raw.payments"),
                    key("analytics.marts.fct_payments"),
                    "sql",
                    "payment_id",
                    "payment_id",
                ),
            ],
            NOW,
        )
    con = duckdb.connect(str(warehouse))
    con.execute("ALTER TABLE raw.payments RENAME COLUMN status TO payment_state")
    con.execute("ALTER TABLE raw.products ADD COLUMN color VARCHAR")
    con.close()
    run = run_checks(settings, store, NOW + timedelta(hours=1))
    by = {r.asset.short_name: r for r in run.results}
    changed = by["payments"]
    assert changed.status == CheckStatus.FAIL and changed.severity == Severity.HIGH
    assert changed.observed["renamed"] == [{"from": "status", "to": "payment_state"}]
    assert changed.observed["downstream_impacted"] == [
        "analytics.marts.fct_payments.payment_status",
        "analytics.marts.rpt_daily.failed_share",
    ]
    assert by["products"].status == CheckStatus.WARN and by["products"].observed["added"] == ["color"]
    assert by["orders"].status == CheckStatus.PASS
    # the change is reported once: the next run has the same key and stores nothing new for it
    again = run_checks(settings, store, NOW + timedelta(hours=2))
    assert again.stored == 0


QUALITY = {
    "type": "quality",
    "name": "orders-quality",
    "asset": "analytics.marts.fct_orders",
    "expectations": [
        {"expect": "not_null", "column": "status"},
        {"expect": "unique", "column": "order_id"},
        {"expect": "accepted_values", "column": "status", "values": ["paid"]},
        {"expect": "between", "column": "total_price", "min": 0, "max": 50},
        {"expect": "row_count_between", "min": 1, "max": 10},
        {
            "expect": "custom_sql",
            "name": "no big orders",
            "sql": "select count(*) from marts.fct_orders where total_price > 60",
        },
        {"expect": "not_null", "column": "no_such_column"},
    ],
}


def _expect_quality(results: list[CheckResult]) -> None:
    by = {r.check.split(":", 1)[1]: r for r in results}
    assert by["not_null(status)"].status == CheckStatus.FAIL
    nulls = by["not_null(status)"].observed
    assert nulls["unexpected_count"] > 0 and nulls["element_count"] > nulls["unexpected_count"]
    assert by["unique(order_id)"].status == CheckStatus.PASS
    assert by["accepted_values(status)"].status == CheckStatus.PASS  # nulls are not judged by accepted_values
    assert by["between(total_price)"].status == CheckStatus.FAIL
    assert by["between(total_price)"].observed["failing_examples"]
    assert (
        by["row_count_between"].status == CheckStatus.FAIL
        and by["row_count_between"].observed["observed_value"] > 10
    )
    assert (
        by["no big orders"].status == CheckStatus.FAIL and by["no big orders"].observed["observed_value"] > 0
    )
    assert by["not_null(no_such_column)"].status == CheckStatus.ERROR


@pytest.fixture
def statements():
    seen: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", listen)
    yield seen
    event.remove(Engine, "before_cursor_execute", listen)


def _pushed_down(statements: list[str]) -> None:
    """Every query GE sent aggregates, is limited, or is the custom failing-rows filter (of which Great
    Expectations fetches a bounded sample with fetchmany): no table was pulled into Python."""
    data = [s for s in statements if "fct_orders" in s and s.lstrip().upper().startswith("SELECT")]
    assert data
    for s in data:
        upper = " ".join(s.upper().split())
        custom_filter = "AS SUBSELECT WHERE TOTAL_PRICE > 60" in upper
        assert custom_filter or any(w in upper for w in ("COUNT(", "SUM(", "MIN(", "MAX(", "LIMIT")), s


def test_quality_on_duckdb(warehouse, tmp_path, statements):
    settings = settings_for(warehouse, [QUALITY], tmp_path)
    run = run_checks(settings, open_store(settings.store_url), NOW)
    assert all(r.asset == AssetKey("snowflake", "analytics.marts.fct_orders") for r in run.results)
    _expect_quality(run.results)
    _pushed_down(statements)


def _copy_orders(url: str, warehouse) -> None:  # noqa: ANN001
    from sqlalchemy import create_engine, text

    rows = (
        duckdb.connect(str(warehouse))
        .execute("select order_id, total_price::double, status from marts.fct_orders")
        .fetchall()
    )
    engine = create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("create schema if not exists marts"))
        conn.execute(
            text(
                "create table marts.fct_orders (order_id bigint, total_price double precision, status varchar(20))"
            )
            if engine.dialect.name == "postgresql"
            else text("create table fct_orders (order_id integer, total_price real, status text)")
        )
        insert = (
            "insert into marts.fct_orders values (:a, :b, :c)"
            if engine.dialect.name == "postgresql"
            else ("insert into fct_orders values (:a, :b, :c)")
        )
        conn.execute(text(insert), [{"a": a, "b": b, "c": c} for a, b, c in rows])
    engine.dispose()


def test_quality_on_postgresql(warehouse, tmp_path, fresh_pg_url, statements):
    from observer.store.engine import normalize_url

    _copy_orders(normalize_url(fresh_pg_url), warehouse)
    db = fresh_pg_url.rsplit("/", 1)[1]
    entry = dict(QUALITY, asset=f"{db}.marts.fct_orders", url=fresh_pg_url, platform="postgres")
    entry["expectations"] = [dict(e, sql=e["sql"]) if "sql" in e else e for e in QUALITY["expectations"]]
    settings = settings_for(warehouse, [entry], tmp_path)
    run = run_checks(settings, open_store(settings.store_url), NOW)
    _expect_quality(run.results)
    _pushed_down(statements)


def test_quality_on_sqlite(warehouse, tmp_path, statements):
    path = tmp_path / "wh.sqlite"
    _copy_orders(f"sqlite:///{path}", warehouse)
    entry = dict(QUALITY, asset="main.main.fct_orders", url=f"sqlite:///{path}")
    entry["expectations"] = [
        dict(e, sql="select count(*) from fct_orders where total_price > 60") if "sql" in e else e
        for e in QUALITY["expectations"]
    ]
    settings = settings_for(warehouse, [entry], tmp_path)
    run = run_checks(settings, open_store(settings.store_url), NOW)
    _expect_quality(run.results)
    _pushed_down(statements)


def test_custom_sql_count_is_turned_into_failing_rows():
    assert (
        failing_rows_query("select count(*) as n from t where x < 0", "duckdb")
        == "SELECT * FROM t WHERE x < 0"
    )
    assert (
        failing_rows_query("select count(*) from a.b.t where x < 0", "duckdb", "t")
        == "SELECT * FROM {batch} WHERE x < 0"
    )
    assert failing_rows_query("select id from t where x < 0", "duckdb") == "select id from t where x < 0"


def test_dbt_tests_that_stopped_running_fail(tmp_path, warehouse):
    settings = settings_for(
        warehouse, [{"type": "dbt_tests", "name": "dbt-tests", "max_age": "1d"}], tmp_path
    )
    store = open_store(settings.store_url)
    fresh = AssetKey("snowflake", "analytics.marts.fct_orders")
    old = AssetKey("snowflake", "analytics.marts.dim_products")
    with store.transaction() as conn:
        record_check_results(
            conn,
            [
                CheckResult(
                    "dbt:not_null_fct_orders_id",
                    "dbt_test",
                    fresh,
                    CheckStatus.FAIL,
                    NOW - timedelta(hours=3),
                    "fail",
                    run_key="inv-2",
                ),
                CheckResult(
                    "dbt:unique_dim_products_id",
                    "dbt_test",
                    old,
                    CheckStatus.PASS,
                    NOW - timedelta(days=4),
                    "pass",
                    run_key="inv-1",
                ),
            ],
        )
    run = run_checks(settings, store, NOW)
    by = {r.asset: r for r in run.results}
    assert by[old].status == CheckStatus.FAIL and "has not run" in by[old].message
    assert by[fresh].status == CheckStatus.PASS and by[fresh].observed["status"] == "fail"
