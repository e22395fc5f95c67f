"""Teams, incidents, runs and query fingerprint pages (and their JSON twins) over real store rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from observer.api.app import create_app
from observer.api.auth import COOKIE
from observer.config import Settings
from observer.store import Store
from observer.store.tokens import Role, create_token
from tests.api.conftest import fill_activity, fill_catalog
from tests.dashboards.operations import BAD_FP, GOOD_FP, fill_operations

HTML = {"accept": "text/html"}


@pytest.fixture
def ops(sqlite_store: Store, now: datetime) -> Iterator[tuple[TestClient, dict[str, int]]]:
    fill_catalog(sqlite_store, now)
    fill_activity(sqlite_store, now)
    ids = fill_operations(sqlite_store, now)
    with TestClient(create_app(Settings(), sqlite_store, clock=lambda: now)) as client:
        yield client, ids


def test_teams_list_and_team_page(ops: tuple[TestClient, dict[str, int]]) -> None:
    client, ids = ops
    teams = {t["name"]: t for t in client.get("/api/v1/teams").json()}
    assert teams["finance"]["assets_owned"] == 1 and teams["finance"]["open_incidents"] == 1
    assert teams["finance"]["latest_spend"]["cost_usd"] == pytest.approx(340.0)
    assert teams["data-platform"]["open_incidents"] == 0  # its incident is resolved
    page = client.get("/teams/finance").text
    assert "finance spend on fct_orders up 240%" in page and f'href="/incidents/{ids["spend"]}"' in page
    assert "Alice Ng" in page and "#finance-data" in page
    assert 'href="/assets/snowflake/analytics.marts.fct_orders"' in page
    assert "$100.00" in page and "$340.00" in page and 'data-chart' in page
    detail = client.get("/api/v1/teams/finance").json()
    assert [s["month"] for s in detail["spend_by_month"]] == sorted(s["month"] for s in detail["spend_by_month"])
    assert client.get("/teams/nobody", headers=HTML).status_code == 404


def test_incident_list_detail_and_actions(ops: tuple[TestClient, dict[str, int]], sqlite_store: Store, now: datetime) -> None:
    client, ids = ops
    listing = client.get("/incidents").text
    assert "finance spend on fct_orders" in listing and "raw.shop.orders is stale" not in listing
    assert "raw.shop.orders is stale" in client.get("/incidents", params={"state": "all"}).text
    detail = client.get(f"/incidents/{ids['spend']}").text
    assert '<dd id="incident-owner">finance' in detail and "spend jumped" in detail
    assert "Sign in</a> with an editor token" in detail
    with sqlite_store.transaction() as conn:
        _, secret = create_token(conn, "alice", Role.EDITOR, now)
    client.cookies.set(COOKIE, secret)
    detail = client.get(f"/incidents/{ids['spend']}").text
    csrf = detail.split('name="csrf_token" value="')[1].split('"')[0]
    acked = client.post(f"/incidents/{ids['spend']}/acknowledge", data={"csrf_token": csrf})
    assert acked.status_code == 200 and '<span class="status status-acknowledged" id="incident-state">' in acked.text
    assert "by web:alice" in acked.text
    resolved = client.post(f"/incidents/{ids['spend']}/resolve", data={"csrf_token": csrf, "note": "budget raised"})
    assert "status-resolved" in resolved.text and "budget raised" in resolved.text
    again = client.post(f"/incidents/{ids['spend']}/acknowledge", data={"csrf_token": csrf})
    assert "already in that state" in again.text
    assert client.post(f"/incidents/{ids['spend']}/delete", data={"csrf_token": csrf}, headers=HTML).status_code == 404


def test_runs_page_filters(ops: tuple[TestClient, dict[str, int]]) -> None:
    client, _ = ops
    page = client.get("/runs").text
    assert "3 runs" in page and page.count("model.larkspur.fct_orders") == 3
    failed = client.get("/runs", params={"status": "failed"}).text
    assert "1 run<" in failed
    api = client.get("/api/v1/runs", params={"status": "success"}).json()
    assert api["total"] == 2 and api["items"][0]["asset"] == "snowflake://analytics.marts.fct_orders"
    assert api["items"][0]["duration_s"] == 300.0


def test_query_fingerprints_show_parse_failures(ops: tuple[TestClient, dict[str, int]]) -> None:
    client, _ = ops
    page = client.get("/queries").text
    assert "2 shapes stored" in page and "1 could not be parsed" in page
    assert "Invalid expression at line 1" in page and "&lt;script&gt;" in page and "<script>$$" not in page
    failed = client.get("/api/v1/fingerprints", params={"failed": "true"}).json()
    assert [f["fingerprint"] for f in failed["items"]] == [BAD_FP]
    detail = client.get(f"/queries/{GOOD_FP}").text
    assert "raw.shop.orders" in detail and "write_target" in detail and "ALICE" in detail
    api = client.get(f"/api/v1/fingerprints/{GOOD_FP}").json()
    assert api["occurrences"] == 40 and len(api["recent_queries"]) == 3
    assert api["cost_usd"] == pytest.approx(440.0)


def test_empty_store_pages_say_so(sqlite_store: Store, now: datetime) -> None:
    client = TestClient(create_app(Settings(), sqlite_store, clock=lambda: now))
    assert "The catalog is empty" in client.get("/").text
    assert "No teams are configured" in client.get("/teams").text
    assert "No open incidents" in client.get("/incidents").text
    assert "No orchestrator runs have been ingested yet" in client.get("/runs").text
    assert "No query history has been ingested yet" in client.get("/queries").text


def test_costs_page_breakdown_movers_and_csv(ops: tuple[TestClient, dict[str, int]], now: datetime) -> None:
    client, _ = ops
    month = f"{now:%Y-%m}"
    page = client.get("/costs").text
    assert f"Costs · {month}" in page
    table = page.split('id="cost-breakdown"')[1].split("</table>")[0]
    assert table.index("finance") < table.index("growth") < table.index("idle time on")
    assert "$340.00" in table and "$358.00" in page  # finance; month total 340 + 15 + 3
    changed = page.split("What changed since")[1]
    assert "+$240.00" in changed and "+240%" in changed  # finance 100 → 340
    assert f'href="/queries/{GOOD_FP}"' in changed and "ALICE" in changed and "write_target" in changed
    by_asset = client.get("/costs", params={"by": "asset"}).text
    assert 'href="/assets/snowflake/analytics.marts.fct_orders"' in by_asset
    only_growth = client.get("/costs", params={"team": "growth"}).text
    assert "$15.00" in only_growth.split('id="cost-breakdown"')[1] and "finance" not in only_growth.split('id="cost-breakdown"')[1]
    csv_text = client.get("/costs/export.csv", params={"month": month, "by": "team"})
    assert csv_text.headers["content-type"].startswith("text/csv")
    lines = csv_text.text.strip().splitlines()
    assert lines[0] == "month,team,credits,cost_usd,queries" and lines[1].startswith(f"{month},finance,")
    assert client.get("/costs", params={"month": "2026-13"}, headers=HTML).status_code == 400


def test_home_shows_open_incidents_and_cost_movers(ops: tuple[TestClient, dict[str, int]]) -> None:
    client, ids = ops
    home = client.get("/").text
    incidents = home.split('id="recent-incidents"')[1].split("</ul>")[0]
    assert f'/incidents/{ids["spend"]}' in incidents and "stale" not in incidents
    movers = home.split('id="cost-movers"')[1].split("</ol>")[0]
    assert "analytics.marts.fct_orders" in movers and "+$240.00" in movers
    assert 'id="recent-incidents"' not in client.get("/", params={"q": "orders"}).text


def test_asset_page_shows_incidents_cost_and_top_queries(ops: tuple[TestClient, dict[str, int]]) -> None:
    client, ids = ops
    page = client.get("/assets/snowflake/analytics.marts.fct_orders").text
    assert f'href="/incidents/{ids["spend"]}"' in page.split('id="asset-incidents"')[1].split("</ul>")[0]
    assert "$340.00" in page.split('id="asset-cost"')[1].split("</p>")[0]
    top = page.split('id="top-queries"')[1].split("</ol>")[0]
    assert f'href="/queries/{GOOD_FP}"' in top and "INSERT INTO analytics.marts.fct_orders" in top and "ALICE" in top
    quiet = client.get("/assets/snowflake/analytics.marts.dim_customers").text
    assert "No incidents on this asset." in quiet and "No warehouse spend is attributed" in quiet


def test_ingest_log_on_runs_page_and_api(ops: tuple[TestClient, dict[str, int]], sqlite_store: Store, now: datetime) -> None:
    from observer.plugins import IngestReport
    from observer.store.ingest_log import finish_run, start_run

    client, _ = ops
    report = IngestReport(rows_read=10, rows_written=9)
    report.bad("exports/query_history.csv:7 [START_TIME]: not a timestamp: 'yesterday'")
    with sqlite_store.transaction() as conn:
        run_id = start_run(conn, "snowflake-prod", "snowflake", now)
        finish_run(conn, run_id, report, now)
    page = client.get("/runs").text
    assert f'href="/runs/ingest/{run_id}"' in page and "status-partial" in page
    detail = client.get(f"/runs/ingest/{run_id}").text
    assert "exports/query_history.csv:7" in detail and "START_TIME" in detail and "not a timestamp" in detail
    api = client.get(f"/api/v1/ingest-runs/{run_id}").json()
    assert api["rows_bad"] == 1 and api["errors"][0]["field"] == "START_TIME"
    assert [r["id"] for r in client.get("/api/v1/ingest-runs").json()] == [run_id]
    assert client.get("/api/v1/ingest-runs/999").status_code == 404


def test_asset_page_charts_freshness_and_volume_with_band(ops: tuple[TestClient, dict[str, int]]) -> None:
    client, _ = ops
    page = client.get("/assets/snowflake/analytics.marts.fct_orders").text
    health = page.split('id="health-h"')[1].split("</section>")[0]
    assert "Freshness: time since last update" in health and "Volume: rows added" in health
    assert "1 point(s) outside it" in health and '"lower"' in health and "900.0–1,200.0" in health
    assert "<strong class=\"bad\">yes</strong>" in health  # the anomalous load, in the table
    quiet = client.get("/assets/snowflake/analytics.marts.dim_customers").text
    assert "No freshness or volume history yet" in quiet
