"""/api/v1/assets/{key}/lineage: layered neighbourhood with owners, column edges on demand."""

from __future__ import annotations

from fastapi.testclient import TestClient

from observer.catalog.lineage import layer_nodes
from observer.model import AssetKey, LineageEdge
from tests.api.conftest import ORDERS


def test_lineage_lists_neighbours_in_layers_with_owners(rich_client: TestClient) -> None:
    body = rich_client.get(f"/api/v1/assets/{ORDERS}/lineage").json()
    nodes = {n["name"]: n for n in body["nodes"]}
    assert nodes["analytics.marts.fct_orders"]["layer"] == 0
    assert nodes["raw.shop.orders"]["layer"] == -1 and nodes["raw.shop.orders"]["owner"] == "data-platform"
    assert nodes["analytics.marts.dim_customers"]["layer"] == -1
    assert nodes["dashboards.revenue"]["layer"] == 1 and nodes["dashboards.revenue"]["kind"] is None
    pairs = {(e["upstream"], e["downstream"]) for e in body["edges"]}
    assert ("snowflake://raw.shop.orders", str(ORDERS)) in pairs and len(pairs) == 3
    assert body["truncated"] is False


def test_depth_zero_keeps_only_one_side(rich_client: TestClient) -> None:
    body = rich_client.get(f"/api/v1/assets/{ORDERS}/lineage", params={"upstream": 0}).json()
    assert {n["layer"] for n in body["nodes"]} == {0, 1}
    assert rich_client.get(f"/api/v1/assets/{ORDERS}/lineage", params={"upstream": 9}).status_code == 422


def test_column_lineage(rich_client: TestClient) -> None:
    body = rich_client.get("/api/v1/assets/snowflake/analytics.marts.fct_orders/lineage/columns").json()
    assert [(e["upstream_column"], e["downstream_column"]) for e in body["edges"]] == [("amount", "revenue_usd"), ("id", "order_id")]


def test_lineage_of_unknown_asset_is_404(rich_client: TestClient) -> None:
    assert rich_client.get("/api/v1/assets/snowflake://nope.nope/lineage").status_code == 404


def test_layers_follow_hops_and_survive_cycles() -> None:
    a, b, c, d = (AssetKey("duckdb", n) for n in "abcd")
    edges = [LineageEdge(a, b, "x"), LineageEdge(b, c, "x"), LineageEdge(c, d, "x"), LineageEdge(d, b, "x")]
    # d is both upstream (d → b → c) and downstream (c → d): upstream is found first
    assert layer_nodes(c, edges) == {c: 0, b: -1, a: -2, d: -2}
