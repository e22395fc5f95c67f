"""An app over a small catalog, on SQLite and on PostgreSQL, and tokens of each role."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from observer.api.app import create_app
from observer.config import Settings
from observer.model import (
    Asset,
    AssetKey,
    AssetKind,
    CheckResult,
    CheckStatus,
    Column,
    LineageEdge,
    OwnerKind,
    Ownership,
    OwnershipSource,
    RunRecord,
    RunStatus,
)
from observer.store import Store
from observer.store.assets import upsert_assets
from observer.store.check_results import record_check_results
from observer.store.lineage import add_edges
from observer.store.ownership import set_claim
from observer.store.runs import upsert_runs
from observer.store.tokens import Role, create_token

ORDERS = AssetKey.of("snowflake", "ANALYTICS.MARTS.FCT_ORDERS")
CUSTOMERS = AssetKey.of("snowflake", "ANALYTICS.MARTS.DIM_CUSTOMERS")
RAW_ORDERS = AssetKey.of("snowflake", "RAW.SHOP.ORDERS")
REVENUE_DASHBOARD = AssetKey.of("looker", "dashboards.revenue")


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



def fill_activity(store: Store, now: datetime) -> None:
    """Lineage (table and column), dbt runs and check results around ``ORDERS``."""
    with store.transaction() as conn:
        set_claim(
            conn,
            Ownership(RAW_ORDERS, "data-platform", OwnerKind.TEAM, OwnershipSource.RULE, "config rule 'raw.*'", "config", "data-platform"),
            now,
        )
        add_edges(
            conn,
            [
                LineageEdge(RAW_ORDERS, ORDERS, "dbt"),
                LineageEdge(RAW_ORDERS, ORDERS, "sql"),
                LineageEdge(CUSTOMERS, ORDERS, "dbt"),
                LineageEdge(ORDERS, REVENUE_DASHBOARD, "openlineage"),
                LineageEdge(RAW_ORDERS, ORDERS, "sql", "amount", "revenue_usd"),
                LineageEdge(RAW_ORDERS, ORDERS, "sql", "id", "order_id"),
            ],
            now,
        )
        upsert_runs(
            conn,
            [
                RunRecord(
                    "dbt", f"inv-{i}.model.larkspur.fct_orders", "dbt", "larkspur",
                    RunStatus.SUCCESS if i else RunStatus.FAILED,
                    now - timedelta(days=i, minutes=5), now - timedelta(days=i), task="model.larkspur.fct_orders",
                    asset=ORDERS, rows_affected=1000 + i,
                )
                for i in range(3)
            ],
        )
        record_check_results(
            conn,
            [
                CheckResult("freshness", "freshness", ORDERS, CheckStatus.FAIL, now, "last loaded 30 hours ago (expected < 24 h)"),
                CheckResult("freshness", "freshness", ORDERS, CheckStatus.PASS, now - timedelta(days=1), "fresh"),
                CheckResult("not_null(order_id)", "quality", ORDERS, CheckStatus.PASS, now, "0 nulls"),
            ],
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
def rich_client(store: Store, settings: Settings, now: datetime) -> Iterator[TestClient]:
    """Like ``client``, with lineage, runs and check results as well."""
    fill_catalog(store, now)
    fill_activity(store, now)
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
