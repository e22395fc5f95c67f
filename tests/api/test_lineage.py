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


def test_a_hub_is_cut_to_its_nearest_assets_and_says_how_many_it_has(store, settings, now) -> None:  # type: ignore[no-untyped-def]
    from observer.api.app import create_app
    from observer.model import Asset, AssetKind
    from observer.store.assets import upsert_assets
    from observer.store.lineage import add_edges

    hub = AssetKey("snowflake", "raw.events.clicks")
    readers = [AssetKey("snowflake", f"analytics.marts.m{i:04d}") for i in range(450)]
    feeds = [AssetKey("snowflake", f"raw.landing.f{i}") for i in range(3)]
    with store.transaction() as conn:
        upsert_assets(conn, [Asset(key=hub, kind=AssetKind.TABLE), Asset(key=readers[1], kind=AssetKind.TABLE)], now)
        edges = [LineageEdge(hub, r, "dbt") for r in readers] + [LineageEdge(f, hub, "sql") for f in feeds]
        edges += [LineageEdge(hub, readers[0], "sql"), LineageEdge(hub, readers[0], "dbt", "user_id", "user_id")]
        add_edges(conn, edges, now)
    with TestClient(create_app(settings, store, clock=lambda: now)) as c:
        body = c.get(f"/api/v1/assets/{hub}/lineage").json()
        assert body["truncated"] is True and len(body["nodes"]) < 454
        # each neighbour counted once, whatever the origins and column edges
        assert (body["direct_upstream"], body["direct_downstream"]) == (3, 450)
        page = c.get("/assets/snowflake/raw.events.clicks")
        assert page.status_code == 200
        assert "3 assets feed this one directly and 450 read from it" in page.text
        small = c.get(f"/api/v1/assets/{readers[1]}/lineage").json()
        assert small["truncated"] is False and small["direct_upstream"] is None
