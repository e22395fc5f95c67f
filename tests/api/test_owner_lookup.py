"""``/api/v1/owners/lookup`` and the catalog edit endpoints, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from observer.model import AssetKey, LineageEdge, RunRecord, RunStatus, Team
from observer.store.lineage import replace_upstreams
from observer.store.ownership import sync_teams
from observer.store.runs import upsert_runs
from tests.api.conftest import CUSTOMERS, ORDERS, RAW_ORDERS


def add_context(store, now) -> None:
    with store.transaction() as conn:
        sync_teams(conn, [Team("finance", "#finance-data"), Team("growth", "#growth-data")])
        replace_upstreams(conn, "dbt", [ORDERS], [LineageEdge(RAW_ORDERS, ORDERS, "dbt")], now)
        upsert_runs(conn, [
            RunRecord("dbt", f"inv{i}:model.larkspur.fct_orders", "dbt", "larkspur", RunStatus.SUCCESS,
                      now - timedelta(days=i, minutes=5), now - timedelta(days=i), task="model.larkspur.fct_orders",
                      parent_run_id=f"inv{i}", asset=ORDERS)
            for i in (1, 2)
        ])


def test_lookup_any_spelling_answers_owner_channel_provenance_run_and_upstream(client, store, now) -> None:
    add_context(store, now)
    for spelling in ("fct_orders", "MARTS.FCT_ORDERS", '"ANALYTICS"."MARTS"."FCT_ORDERS"', str(ORDERS)):
        r = client.get("/api/v1/owners/lookup", params={"table": spelling})
        assert r.status_code == 200, (spelling, r.text)
        body = r.json()
        assert body["status"] == "found" and body["asset"]["key"] == str(ORDERS)
    assert body["owner"]["name"] == "finance" and body["owner"]["source"] == "orchestrator"
    assert body["owner"]["detail"] == "dbt group finance"
    assert [o["owner"] for o in body["owner"]["overridden"]] == ["growth"]  # the config rule lost
    assert body["slack_channel"] == "#finance-data"
    assert body["last_run"]["run_id"] == "inv1:model.larkspur.fct_orders"
    assert body["upstream"] == [{"key": str(RAW_ORDERS), "owner": None, "team": None, "source": None}]


def test_ambiguous_name_returns_candidates_and_unknown_is_404(client, store, now) -> None:
    from observer.model import Asset
    from observer.store.assets import upsert_assets

    with store.transaction() as conn:
        upsert_assets(conn, [Asset(AssetKey.of("snowflake", "ANALYTICS.STAGING.ORDERS"))], now)
    r = client.get("/api/v1/owners/lookup", params={"table": "orders"})
    body = r.json()
    assert body["status"] == "ambiguous"
    assert {c["key"] for c in body["candidates"]} == {str(RAW_ORDERS), "snowflake://analytics.staging.orders"}
    assert client.get("/api/v1/owners/lookup", params={"table": "nope_nothing"}).status_code == 404


def test_edits_need_editor_and_win(client, tokens, store, now) -> None:
    add_context(store, now)
    url = f"/api/v1/assets/{ORDERS}/owner"
    assert client.put(url, json={"owner": "growth"}).status_code == 401
    assert client.put(url, json={"owner": "growth"}, headers={"Authorization": f"Bearer {tokens['viewer']}"}).status_code == 403
    r = client.put(url, json={"owner": "growth"}, headers={"Authorization": f"Bearer {tokens['editor']}"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["owner"]["name"] == "growth" and body["owner"]["source"] == "edit"
    assert "t-editor" in body["owner"]["detail"] and body["slack_channel"] == "#growth-data"
    r = client.put(f"/api/v1/assets/{CUSTOMERS}/description", json={"description": "People who bought <b>things</b>"},
                   headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert r.status_code == 200 and r.json()["asset"]["description"] == "People who bought <b>things</b>"
    r = client.delete(url, headers={"Authorization": f"Bearer {tokens['editor']}"})
    assert r.json()["owner"]["name"] == "finance"
    missing = client.put("/api/v1/assets/snowflake://a.b.nothing/owner", json={"owner": "growth"},
                         headers={"Authorization": f"Bearer {tokens['editor']}"})
    assert missing.status_code == 404
