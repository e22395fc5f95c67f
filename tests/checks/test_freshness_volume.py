"""Freshness and volume on a DuckDB warehouse: the late table and the drop alert, nothing else does."""

from __future__ import annotations

from datetime import timedelta

from observer.checking import run_checks
from observer.model import AssetKey, CheckStatus
from observer.store import open_store
from observer.store.check_results import latest_results
from observer.store.metrics import band_series
from tests.checks.conftest import NOW, settings_for

FRESHNESS = {
    "type": "freshness",
    "name": "raw-freshness",
    "assets": "analytics.raw.*",
    "timestamp_column": "_loaded_at",
}
VOLUME = {
    "type": "volume",
    "name": "raw-volume",
    "assets": "analytics.raw.*",
    "timestamp_column": "_loaded_at",
}


def _by_table(results):
    return {r.asset.short_name: r for r in results}


def test_freshness_finds_the_late_table_and_spares_the_weekday_only_one(warehouse, tmp_path):
    settings = settings_for(warehouse, [FRESHNESS], tmp_path)
    store = open_store(settings.store_url)
    run = run_checks(settings, store, NOW)
    results = _by_table(run.results)
    assert set(results) == {"orders", "payments", "events", "invoices", "products"}
    assert {k for k, r in results.items() if r.status == CheckStatus.FAIL} == {"payments"}
    late = results["payments"]
    assert late.asset == AssetKey("snowflake", "analytics.raw.payments")
    assert late.observed["lag_s"] > 49 * 3600 and "learned" in late.expected["rule"]
    assert results["invoices"].status == CheckStatus.PASS  # Saturday: weekend-off is not late
    assert results["invoices"].expected["quiet_weekdays"] == [5, 6]
    # idempotent: the same evaluation stores nothing new
    again = run_checks(settings, store, NOW)
    assert again.stored == 0 and run.stored == 5


def test_declared_sla_overrides_learning(warehouse, tmp_path):
    entry = dict(FRESHNESS, name="sla", assets="analytics.raw.products", within="2h")
    settings = settings_for(warehouse, [entry], tmp_path)
    run = run_checks(settings, open_store(settings.store_url), NOW)
    (result,) = run.results
    assert result.status == CheckStatus.FAIL and "declared: within 2 h" in result.message


def test_cron_schedule_with_grace(warehouse, tmp_path):
    entry = dict(FRESHNESS, name="cron", assets="analytics.raw.events", cron="10 4 * * *", grace="1h")
    settings = settings_for(warehouse, [entry], tmp_path)
    store = open_store(settings.store_url)
    (ok,) = run_checks(settings, store, NOW).results
    assert ok.status == CheckStatus.PASS
    (late,) = run_checks(settings, store, NOW + timedelta(days=1)).results
    assert late.status == CheckStatus.FAIL


def test_volume_finds_the_drop_and_nothing_else(warehouse, tmp_path):
    settings = settings_for(warehouse, [VOLUME], tmp_path)
    store = open_store(settings.store_url)
    run = run_checks(settings, store, NOW)
    results = _by_table(run.results)
    assert {k for k, r in results.items() if r.status == CheckStatus.FAIL} == {"events"}
    drop = results["events"]
    assert drop.observed["value"] < drop.expected["expected_low"]
    assert "drop" in drop.message
    # the band is stored beside each judged point, for charts
    key = AssetKey("snowflake", "analytics.raw.events")
    with store.read() as conn:
        band = band_series(conn, key, "rows_per_load")
    assert len(band) == 60 and band[-1].anomaly and band[-1].expected_low is not None
    assert band[0].expected_low is None  # before the first run's window: not judged
    # a second run with no new loads judges nothing and stores nothing
    assert run_checks(settings, store, NOW + timedelta(minutes=30)).stored == 0
    with store.read() as conn:
        latest = {r.asset.short_name: r.status for r in latest_results(conn, check="raw-volume")}
    assert latest["events"] == CheckStatus.FAIL


def test_a_check_that_cannot_reach_its_warehouse_reports_errors_not_passes(warehouse, tmp_path):
    settings = settings_for(warehouse, [FRESHNESS], tmp_path)
    store = open_store(settings.store_url)
    run_checks(settings, store, NOW)
    warehouse.unlink()
    warehouse.mkdir()  # a directory where the DuckDB file was: cannot be opened
    run = run_checks(settings, store, NOW + timedelta(hours=1))
    assert run.errors and run.errors[0].check == "raw-freshness"
    assert run.results and all(r.status == CheckStatus.ERROR for r in run.results)
    assert run.failed


def test_metadata_only_on_postgresql_counts_changes_between_runs(tmp_path, fresh_pg_url, warehouse):
    """No timestamp column: row counts and write counters from pg_class/pg_stat_user_tables, no scans."""
    import time as _time

    from sqlalchemy import create_engine, text

    from observer.store.engine import normalize_url

    engine = create_engine(normalize_url(fresh_pg_url))
    with engine.begin() as conn:
        conn.execute(text("create schema app"))
        conn.execute(text("create table app.busy (id int)"))
        conn.execute(text("create table app.idle (id int)"))
        conn.execute(text("insert into app.busy select generate_series(1, 100)"))
    engine.dispose()  # a backend publishes its table statistics when its session ends
    db = fresh_pg_url.rsplit("/", 1)[1]
    checks = [
        dict(FRESHNESS, assets=f"{db}.app.*", timestamp_column=None, within="1h"),
        dict(VOLUME, assets=f"{db}.app.*", timestamp_column=None),
    ]
    settings = settings_for(warehouse, checks, tmp_path)
    settings = settings.model_copy(update={"sources": [], "checks": settings.checks})
    for entry in settings.checks:
        entry.__pydantic_extra__["url"] = fresh_pg_url
    store = open_store(settings.store_url)
    _time.sleep(0.5)
    first = run_checks(settings, store, NOW)
    assert not first.errors
    by = {(r.check, r.asset.short_name): r for r in first.results}
    assert by[("raw-freshness", "busy")].status == CheckStatus.SKIPPED  # no change seen yet
    with engine.begin() as conn:
        conn.execute(text("insert into app.busy select generate_series(1, 10)"))
    engine.dispose()
    _time.sleep(0.5)
    second = run_checks(settings, store, NOW + timedelta(minutes=30))
    by = {(r.check, r.asset.short_name): r for r in second.results}
    assert by[("raw-freshness", "busy")].status == CheckStatus.PASS
    assert by[("raw-freshness", "busy")].observed["last_update"] == (NOW + timedelta(minutes=30)).isoformat()
    with store.read() as conn:
        from observer.store.metrics import series

        added = series(conn, by[("raw-freshness", "busy")].asset, "row_count")
    assert [v for _, v in added] == [100.0, 110.0]
