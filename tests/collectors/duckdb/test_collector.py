"""The DuckDB collector against a real DuckDB file standing in for Snowflake's ANALYTICS database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from collectors.duckdb import DuckDBCollector, DuckDBConfig
from observer.config import Settings
from observer.model import AssetKey, AssetKind
from observer.plugins import RunContext
from observer.store import Store
from observer.store.assets import get_asset
from observer.store.schemas import snapshot_history

NOW = datetime(2026, 11, 22, 6, tzinfo=UTC)


def make_warehouse(folder: Path) -> Path:
    path = folder / "analytics.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA marts")
    con.execute("CREATE TABLE raw.shopify_orders (id INTEGER, promo_code VARCHAR, amount DECIMAL(10,2))")
    con.execute("INSERT INTO raw.shopify_orders VALUES (1, 'X', 3.5), (2, NULL, 4.0), (3, 'Y', 1.0)")
    con.execute("CREATE TABLE marts.fct_orders AS SELECT id AS order_id, amount FROM raw.shopify_orders")
    con.execute("COMMENT ON TABLE marts.fct_orders IS 'One row per order'")
    con.execute("COMMENT ON COLUMN marts.fct_orders.amount IS 'in USD'")
    con.execute("CREATE VIEW marts.big_orders AS SELECT * FROM marts.fct_orders WHERE amount > 2")
    con.close()
    snaps = folder / "schema_snapshots"
    snaps.mkdir()
    (snaps / "2026-11-21.json").write_text(json.dumps({
        "captured_at": "2026-11-21T06:00:00Z", "database": "analytics",
        "tables": [{"schema": "raw", "name": "shopify_orders", "type": "BASE TABLE", "columns": [
            {"name": "id", "type": "INTEGER", "ordinal": 1}, {"name": "discount_code", "type": "VARCHAR", "ordinal": 2},
            {"name": "amount", "type": "DECIMAL(10,2)", "ordinal": 3}]}],
    }))
    return path


def collect(store: Store, folder: Path):  # type: ignore[no-untyped-def]
    config = DuckDBConfig(path=Path("analytics.duckdb"), platform="snowflake", schema_snapshots=Path("schema_snapshots"))
    ctx = RunContext(store, Settings(base_dir=folder), NOW)
    return DuckDBCollector(config, "warehouse").collect(ctx)


def test_catalog_under_snowflake_keys_with_columns_comments_and_counts(store: Store, tmp_path: Path) -> None:
    make_warehouse(tmp_path)
    report = collect(store, tmp_path)
    assert report.details == {"tables": 3, "database": "analytics", "platform": "snowflake"}
    with store.read() as conn:
        fct = get_asset(conn, AssetKey.of("snowflake", "ANALYTICS.MARTS.FCT_ORDERS"))
        view = get_asset(conn, AssetKey("snowflake", "analytics.marts.big_orders"))
    assert fct is not None and view is not None
    assert str(fct.key) == "snowflake://analytics.marts.fct_orders"
    assert (fct.kind, fct.description, fct.row_count) == (AssetKind.TABLE, "One row per order", 3)
    assert [(c.name, c.data_type, c.description) for c in fct.columns] == [
        ("order_id", "INTEGER", None), ("amount", "DECIMAL(10,2)", "in USD"),
    ]
    assert view.kind == AssetKind.VIEW


def test_snapshots_replay_history_and_rerunning_changes_nothing(store: Store, tmp_path: Path) -> None:
    make_warehouse(tmp_path)
    collect(store, tmp_path)
    key = AssetKey("snowflake", "analytics.raw.shopify_orders")
    with store.read() as conn:
        history = snapshot_history(conn, key)
    assert [[c.name for c in s.columns] for s in history] == [["id", "promo_code", "amount"], ["id", "discount_code", "amount"]]
    assert history[1].taken_at == datetime(2026, 11, 21, 6, tzinfo=UTC)
    again = collect(store, tmp_path)
    assert again.rows_written == 0
    with store.read() as conn:
        assert len(snapshot_history(conn, key)) == 2
