"""An app over a small catalog, on SQLite and on PostgreSQL, and tokens of each role."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from observer.api.app import create_app
from observer.config import Settings
from observer.model import Asset, AssetKey, AssetKind, Column, OwnerKind, Ownership, OwnershipSource
from observer.store import Store
from observer.store.assets import upsert_assets
from observer.store.ownership import set_claim
from observer.store.tokens import Role, create_token

ORDERS = AssetKey.of("snowflake", "ANALYTICS.MARTS.FCT_ORDERS")
CUSTOMERS = AssetKey.of("snowflake", "ANALYTICS.MARTS.DIM_CUSTOMERS")
RAW_ORDERS = AssetKey.of("snowflake", "RAW.SHOP.ORDERS")


def fill_catalog(store: Store, now: datetime) -> None:
    with store.transaction() as conn:
        upsert_assets(
            conn,
            [
                Asset(
                    ORDERS,
                    AssetKind.MODEL,
                    description="One row per order, with revenue in USD.",
                    columns=(Column("order_id", "NUMBER", "order key"), Column("revenue_usd", "FLOAT")),
                    tags=("finance",),
                    source="dbt",
                    external_id="model.larkspur.fct_orders",
                    code_path="models/marts/fct_orders.sql",
                ),
                Asset(CUSTOMERS, AssetKind.MODEL, description="Customers", columns=(Column("customer_email", "TEXT"),)),
                Asset(RAW_ORDERS, AssetKind.TABLE, description="Orders as loaded from the shop database"),
            ],
            now,
        )
        set_claim(
            conn,
            Ownership(ORDERS, "finance", OwnerKind.TEAM, OwnershipSource.ORCHESTRATOR, "dbt group finance", "dbt:larkspur", "finance"),
            now,
        )
        set_claim(
            conn,
            Ownership(ORDERS, "growth", OwnerKind.TEAM, OwnershipSource.RULE, "config rule 'analytics.marts.*'", "config", "growth"),
            now,
        )


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def client(store: Store, settings: Settings, now: datetime) -> Iterator[TestClient]:
    fill_catalog(store, now)
    with TestClient(create_app(settings, store, clock=lambda: now)) as c:
        yield c


@pytest.fixture
def tokens(store: Store, now: datetime) -> dict[str, str]:
    """Secrets of one token per role, keyed by role name."""
    out = {}
    with store.transaction() as conn:
        for role in Role:
            _, secret = create_token(conn, f"t-{role.value}", role, now)
            out[role.value] = secret
    return out
