"""``/api/v1/checks`` and ``/api/v1/metrics``: latest results, history, bands for charts, run now."""

from __future__ import annotations

from datetime import timedelta

from observer.model import AssetKey, MetricPoint
from observer.store.metrics import record_points
from tests.api.conftest import ORDERS


def test_latest_results_worst_first_and_filters(rich_client):
    body = rich_client.get("/api/v1/checks").json()
    assert body["total"] == 2
    first = body["items"][0]
    assert first["check"] == "freshness" and first["status"] == "fail" and first["asset"] == str(ORDERS)
    only_quality = rich_client.get("/api/v1/checks", params={"type": "quality"}).json()
    assert [i["check"] for i in only_quality["items"]] == ["not_null(order_id)"]
    assert rich_client.get("/api/v1/checks", params={"status": "bogus"}).status_code == 422


def test_history_of_one_check_on_one_asset(rich_client):
    rows = rich_client.get(
        "/api/v1/checks/history", params={"asset": str(ORDERS), "check": "freshness"}
    ).json()
    assert [r["status"] for r in rows] == ["fail", "pass"]


def test_metric_series_with_the_expected_band(rich_client, store, now):
    key = AssetKey("snowflake", "analytics.raw.events")
    with store.transaction() as conn:
        record_points(
            conn,
            [MetricPoint(key, "rows_per_load", now - timedelta(days=d), 1000.0 - d) for d in range(3)]
            + [
                MetricPoint(key, "rows_per_load_expected_low", now, 900.0),
                MetricPoint(key, "rows_per_load_expected_high", now, 1100.0),
                MetricPoint(key, "rows_per_load_anomaly", now, 0.0),
            ],
        )
    names = rich_client.get("/api/v1/metrics", params={"asset": str(key)}).json()
    assert names == ["rows_per_load"]
    series = rich_client.get("/api/v1/metrics", params={"asset": str(key), "metric": "rows_per_load"}).json()
    assert [p["value"] for p in series["points"]] == [998.0, 999.0, 1000.0]
    assert series["points"][-1]["expected_low"] == 900.0 and series["points"][0]["expected_low"] is None


def test_running_checks_needs_an_editor(rich_client, tokens):
    assert rich_client.post("/api/v1/checks/run").status_code in (401, 403)
    ok = rich_client.post("/api/v1/checks/run", headers={"Authorization": f"Bearer {tokens['editor']}"})
    assert ok.status_code == 200 and ok.json() == {"results": 0, "stored": 0, "failed": [], "errors": []}
