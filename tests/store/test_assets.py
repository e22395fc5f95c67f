from __future__ import annotations

from datetime import datetime, timedelta

from observer.model import Asset, AssetKey, AssetKind, Column
from observer.store import Store
from observer.store.assets import get_asset, lookup_assets, search_assets, upsert_assets

ORDERS = AssetKey.of("snowflake", "ANALYTICS.MARTS.ORDERS")


def seed(store: Store, now: datetime) -> None:
    items = [
        Asset(
            ORDERS,
            AssetKind.MODEL,
            description="One row per order",
            columns=(Column("order_id", "number"), Column("customer_id", "number"), Column("amount_usd", "float")),
            tags=("finance",),
            source="dbt",
        ),
        Asset(AssetKey.of("snowflake", "analytics.staging.orders"), AssetKind.VIEW, source="dbt"),
        Asset(AssetKey.of("snowflake", "analytics.raw.customers"), AssetKind.TABLE, row_count=1200),
        Asset(AssetKey.of("postgres", "app.public.orders"), AssetKind.TABLE),
    ]
    with store.transaction() as conn:
        upsert_assets(conn, items, now)


def test_round_trip_and_merge(store: Store, now: datetime) -> None:
    seed(store, now)
    with store.transaction() as conn:
        # A warehouse collector knows row counts but not descriptions: nothing it omits is lost.
        upsert_assets(conn, [Asset(ORDERS, AssetKind.TABLE, row_count=42, source="snowflake")], now + timedelta(1))
    with store.read() as conn:
        asset = get_asset(conn, ORDERS)
    assert asset is not None
    assert asset.kind == AssetKind.MODEL
    assert asset.description == "One row per order"
    assert asset.row_count == 42
    assert [c.name for c in asset.columns] == ["order_id", "customer_id", "amount_usd"]
    assert asset.tags == ("finance",)


def test_reingest_changes_nothing(store: Store, now: datetime) -> None:
    seed(store, now)
    with store.transaction() as conn:
        from sqlalchemy import select

        from observer.store.tables import assets

        before = conn.execute(select(assets).order_by(assets.c.id)).all()
    seed(store, now + timedelta(hours=1))
    with store.read() as conn:
        after = conn.execute(select(assets).order_by(assets.c.id)).all()
    assert before == after


def test_search_ranks_exact_names_first(store: Store, now: datetime) -> None:
    seed(store, now)
    with store.read() as conn:
        page = search_assets(conn, "orders")
        assert page.total == 3
        assert [str(a.key) for a in page.items][:1] == ["postgres://app.public.orders"] or page.items[0].key.short_name == "orders"
        assert {a.key.short_name for a in page.items} == {"orders"}
        by_column = search_assets(conn, "amount_usd")
        assert [a.key for a in by_column.items] == [ORDERS]
        quoted = search_assets(conn, '"ANALYTICS"."MARTS"."ORDERS"')
        assert [a.key for a in quoted.items] == [ORDERS]
        paged = search_assets(conn, "", limit=2, offset=2)
        assert paged.total == 4 and len(paged.items) == 2
        assert search_assets(conn, "100%_off").total == 0


def test_lookup_any_spelling(store: Store, now: datetime) -> None:
    seed(store, now)
    with store.read() as conn:
        for spelling in ("ANALYTICS.MARTS.ORDERS", '"ANALYTICS"."MARTS"."ORDERS"', "marts.orders", "snowflake://analytics.marts.orders"):
            assert [a.key for a in lookup_assets(conn, spelling)] == [ORDERS], spelling
        ambiguous = lookup_assets(conn, "orders")
        assert len(ambiguous) == 3
        assert lookup_assets(conn, "nope.nothing") == []
