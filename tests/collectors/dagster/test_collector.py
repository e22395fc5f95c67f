"""The Dagster collector over GraphQL answers recorded from a real dagster-webserver 1.13.27."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from collectors.dagster import DagsterCollector, DagsterConfig
from collectors.dagster.parse import parse_asset_nodes
from observer.catalog.owner_lookup import lookup_owner
from observer.config import Settings
from observer.errors import TerminalSourceError
from observer.model import AssetKey, OwnershipSource, RunStatus, Team
from observer.plugins import RunContext
from observer.store.lineage import upstream_edges
from observer.store.ownership import sync_teams
from observer.store.runs import find_run_for_query, get_run

RECORDED = json.loads((Path(__file__).parent / "fixtures" / "graphql_responses.json").read_text())
RUN_ID = RECORDED["runs"]["data"]["runsOrError"]["results"][0]["runId"]
DAILY = AssetKey.of("duckdb", "warehouse.marts.daily_revenue")


class FakeDagster:
    """Answers the collector's two queries with the recorded answers; pages runs by cursor."""

    def __init__(self, error: str | None = None) -> None:
        self.error = error
        self.calls: list[dict] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.calls.append(body)
        if "assetNodes" in body["query"]:
            return httpx.Response(200, json=RECORDED["assets"])
        if self.error:
            return httpx.Response(200, json={"data": {"runsOrError": {"__typename": "PythonError", "message": self.error}}})
        runs = RECORDED["runs"]["data"]["runsOrError"]["results"]
        after = body["variables"].get("updatedAfter")
        runs = [r for r in runs if after is None or r["updateTime"] > after]
        if body["variables"].get("cursor"):
            runs = []
        return httpx.Response(200, json={"data": {"runsOrError": {"__typename": "Runs", "results": runs}}})


def collect(store, now, fake: FakeDagster, **kw):
    config = DagsterConfig(url="http://dagster.test", platform="duckdb", warehouse_user="DAGSTER_SVC", **kw)
    return DagsterCollector(config, "dagster", httpx.MockTransport(fake.handle)).collect(RunContext(store, Settings(), now))


def test_assets_owners_lineage_and_runs(store, now) -> None:
    with store.transaction() as conn:
        sync_teams(conn, [Team("finance", "#finance-data"), Team("data-platform", "#data-platform")])
    report = collect(store, now, FakeDagster())
    assert report.details == {"assets": 3, "runs": 1, "steps": 3, "since": None}
    with store.read() as conn:
        daily = lookup_owner(conn, "daily_revenue")
        raw = lookup_owner(conn, "warehouse.raw.orders")
        report_asset = lookup_owner(conn, "revenue_report")
        step = get_run(conn, "dagster", f"{RUN_ID}:daily_revenue")
        run = get_run(conn, "dagster", RUN_ID)
        ups = [str(e.upstream) for e in upstream_edges(conn, AssetKey("dagster", "revenue_report"))]
        middle = step.start_time + (step.end_time - step.start_time) / 2
        match = find_run_for_query(conn, None, middle, dagster_run_id=RUN_ID, dagster_step="daily_revenue")
    assert daily.owner.owner == "finance" and daily.owner.source is OwnershipSource.ORCHESTRATOR
    assert "carol@shop.example" in daily.owner.detail and daily.slack_channel == "#finance-data"
    assert raw.owner.owner == "data-platform"  # team:data_platform names the data-platform team
    assert raw.asset.row_count == 3 and raw.asset.meta["dagster_group"] == "ingest"
    assert report_asset.asset.key == AssetKey("dagster", "revenue_report")
    assert report_asset.owner.owner == "dave@shop.example"
    assert ups == [str(DAILY)]
    assert run.status is RunStatus.SUCCESS and run.job == "daily_job"
    assert step.asset == DAILY and step.rows_affected == 2 and step.parent_run_id == RUN_ID
    assert match.rule == "dagster_run" and match.run.run_id == step.run_id


def test_reingest_changes_nothing_and_reads_runs_incrementally(store, now) -> None:
    fake = FakeDagster()
    collect(store, now, fake)
    again = collect(store, now, fake, lookback_hours=0)
    assert again.rows_written == 0 and again.details["runs"] == 0
    assert fake.calls[-1]["variables"]["updatedAfter"] is not None


def test_graphql_error_union_is_reported(store, now) -> None:
    with pytest.raises(TerminalSourceError, match="boom in the run storage"):
        collect(store, now, FakeDagster(error="boom in the run storage"))


def test_relation_platform_from_kinds_when_not_configured() -> None:
    nodes = RECORDED["assets"]["data"]["assetNodes"]
    parsed = parse_asset_nodes(nodes, platform=None, source="dagster")
    keys = {a.external_id: a.key for a in parsed.assets}
    assert keys["raw_orders"] == AssetKey.of("duckdb", "warehouse.raw.orders")  # kinds={"duckdb"}
    assert keys["daily_revenue"].platform == "warehouse"  # no kind, no platform: said so in the key
