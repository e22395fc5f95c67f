"""``/api/v1/costs`` and ``/api/v1/costs/diff`` over an ingested two-month Snowflake history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from collectors.snowflake import ingest_snowflake_exports
from observer.api.app import create_app
from observer.config import Settings
from observer.model import Person, Team
from observer.store import Store
from observer.store.ownership import sync_teams, upsert_people
from tests.collectors.snowflake.exports import two_month_account

NOW = datetime(2026, 3, 20, tzinfo=UTC)


@pytest.fixture
def costs_client(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(pricing={"snowflake_credit_usd": 3.0})
    with store.transaction() as conn:
        sync_teams(conn, [Team("growth"), Team("data-platform")])
        upsert_people(conn, [Person("ALICE", team="growth"), Person("HUGO", team="data-platform")])
    qh, wmh = two_month_account(tmp_path)
    ingest_snowflake_exports(store, settings, source="snowflake", query_history=[qh], metering=[wmh], now=NOW)
    with TestClient(create_app(settings, store, clock=lambda: NOW)) as c:
        yield c


def test_costs_grouped_filtered_and_paged(costs_client: TestClient) -> None:
    body = costs_client.get("/api/v1/costs", params={"month": "2026-03", "group_by": "team"}).json()
    assert (body["month"], body["group_by"], body["total_cost_usd"], body["total_credits"], body["total"]) == (
        "2026-03", "team", 57.0, 19.0, 3,
    )
    assert body["items"] == [
        {"key": "growth", "credits": 16.0, "cost_usd": 48.0, "queries": 40},
        {"key": "idle:REPORTING", "credits": 2.0, "cost_usd": 6.0, "queries": 0},
        {"key": "data-platform", "credits": 1.0, "cost_usd": 3.0, "queries": 1},
    ]
    second = costs_client.get("/api/v1/costs", params={"month": "2026-03", "group_by": "team", "limit": 1, "offset": 1}).json()
    assert [i["key"] for i in second["items"]] == ["idle:REPORTING"] and second["total"] == 3
    users = costs_client.get("/api/v1/costs", params={"month": "2026-03", "group_by": "user", "warehouse": "TRANSFORMING"}).json()
    assert users["items"] == [{"key": "HUGO", "credits": 1.0, "cost_usd": 3.0, "queries": 1}]
    latest = costs_client.get("/api/v1/costs", params={"group_by": "warehouse"}).json()
    assert latest["month"] == "2026-03"


def test_costs_rejects_a_bad_month_or_grouping(costs_client: TestClient) -> None:
    bad = costs_client.get("/api/v1/costs", params={"month": "03/2026"})
    assert bad.status_code == 400 and "2026-03" in bad.json()["error"]["message"]
    assert costs_client.get("/api/v1/costs", params={"group_by": "colour"}).status_code == 422


def test_diff_lists_movers_with_the_queries_behind_them(costs_client: TestClient) -> None:
    body = costs_client.get("/api/v1/costs/diff", params={"month": "2026-03", "dimension": "warehouse"}).json()
    assert (body["previous"], body["before_usd"], body["after_usd"], body["delta_usd"]) == ("2026-02", 6.0, 57.0, 51.0)
    assert [(m["key"], m["delta_usd"]) for m in body["items"]] == [("REPORTING", 45.0), ("idle:REPORTING", 6.0)]
    shape = body["items"][0]["queries"][0]
    assert (shape["user"], shape["team"], shape["queries_before"], shape["queries_after"]) == ("ALICE", "growth", 10, 40)
    paged = costs_client.get("/api/v1/costs/diff", params={"month": "2026-03", "dimension": "warehouse", "limit": 1, "offset": 1}).json()
    assert [m["key"] for m in paged["items"]] == ["idle:REPORTING"] and paged["total"] == 2
