"""/api/v1/assets: search in any spelling, paging, one asset with owner and provenance."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import ORDERS


def names(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


@pytest.mark.parametrize(
    "query",
    ["fct_orders", "FCT_ORDERS", "marts.fct_orders", '"ANALYTICS"."MARTS"."FCT_ORDERS"', "fct_ord", "revenue_usd", "finance"],
)
def test_search_finds_orders_in_any_spelling(client: TestClient, query: str) -> None:
    found = names(client.get("/api/v1/assets", params={"q": query}))
    assert found[0] == "analytics.marts.fct_orders"


def test_search_ranks_exact_short_name_first(client: TestClient) -> None:
    found = names(client.get("/api/v1/assets", params={"q": "orders"}))
    assert set(found) == {"analytics.marts.fct_orders", "raw.shop.orders"}
    assert found[0] == "raw.shop.orders"


def test_paging_reports_total_and_window(client: TestClient) -> None:
    first = client.get("/api/v1/assets", params={"limit": 2}).json()
    second = client.get("/api/v1/assets", params={"limit": 2, "offset": 2}).json()
    assert first["total"] == second["total"] == 3
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert {i["key"] for i in first["items"]}.isdisjoint({i["key"] for i in second["items"]})


def test_limit_is_bounded(client: TestClient) -> None:
    assert client.get("/api/v1/assets", params={"limit": 100000}).status_code == 422


def test_asset_detail_has_owner_why_and_columns(client: TestClient) -> None:
    for path in (f"/api/v1/assets/{ORDERS}", "/api/v1/assets/snowflake/ANALYTICS.MARTS.FCT_ORDERS"):
        body = client.get(path).json()
        assert body["key"] == "snowflake://analytics.marts.fct_orders"
        assert body["ownership"]["owner"] == "finance"
        assert body["ownership"]["source"] == "orchestrator"
        assert body["ownership"]["detail"] == "dbt group finance"
        assert [c["owner"] for c in body["ownership"]["overridden"]] == ["growth"]
        assert [c["name"] for c in body["columns"]] == ["order_id", "revenue_usd"]
        assert body["url"] == "/assets/snowflake/analytics.marts.fct_orders"


def test_unknown_asset_is_a_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/assets/snowflake://analytics.marts.nope")
    assert response.status_code == 404
    assert response.json() == {"error": {"status": 404, "message": "no asset snowflake://analytics.marts.nope"}}


def test_malformed_key_is_a_400(client: TestClient) -> None:
    assert client.get("/api/v1/assets/no-platform-here").status_code == 400


def test_healthz_and_openapi(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/assets" in spec["paths"] and "/api/v1/assets/{key}" in spec["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_search_box_finds_assets_teams_and_people(client: TestClient, store, now) -> None:  # type: ignore[no-untyped-def]
    from observer.model import Person, Team
    from observer.store.ownership import sync_teams, upsert_people

    with store.transaction() as conn:
        sync_teams(conn, [Team("finance", "#finance-data", "Revenue and billing"), Team("growth", "#growth-data")])
        upsert_people(conn, [Person("ALICE", "alice.ng@larkspur.example", "Alice Ng", "finance")])
    client.app.state.search.refresh()  # type: ignore[attr-defined]
    body = client.get("/api/v1/search", params={"q": "fin"}).json()
    assert [t["name"] for t in body["teams"]] == ["finance"] and body["teams"][0]["url"] == "/teams/finance"
    assert body["assets"][0]["name"] == "analytics.marts.fct_orders" and body["total_assets"] == 1
    assert [p["username"] for p in client.get("/api/v1/search", params={"q": "alice ng"}).json()["people"]] == ["ALICE"]
    assert client.get("/api/v1/search", params={"q": ""}).status_code == 422
