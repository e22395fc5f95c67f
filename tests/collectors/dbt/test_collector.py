"""The dbt collector end to end into the store (SQLite and the real PostgreSQL): what lands, that
re-ingesting changes nothing, and that catalog edits win and survive re-ingestion."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from collectors.dbt import DbtConfig, ingest_dbt
from observer.attribution.run_match import QueryContext
from observer.catalog.owner_lookup import answer_json, lookup_owner
from observer.model import AssetKey, OwnershipSource, Person, Team
from observer.store.catalog_edits import edit_description, edit_owner
from observer.store.check_results import results_for_asset
from observer.store.lineage import upstream_edges
from observer.store.ownership import sync_teams, upsert_people
from observer.store.runs import find_run_for_query, load_run_index, runs_for_asset
from observer.store.tables import assets, check_results, lineage_edges, ownerships, runs

FIX = Path(__file__).parent / "fixtures" / "duckdb"
FCT = AssetKey.of("duckdb", "tiny_shop.main_marts.fct_orders")
DIM = AssetKey.of("duckdb", "tiny_shop.main_marts.dim_customers")


def config(**kw) -> DbtConfig:
    return DbtConfig(manifest=FIX / "manifest.json", run_results=[str(FIX / "runs" / "*" / "run_results.json")],
                     catalog=FIX / "catalog.json", warehouse_user="DBT_RUNNER", **kw)


def snapshot(store) -> dict[str, list]:
    with store.read() as conn:
        return {
            t.name: sorted(map(repr, conn.execute(select(t).order_by(*t.primary_key.columns)).all()))
            for t in (assets, lineage_edges, ownerships, runs, check_results)
        }


@pytest.fixture
def teams(store, now):
    with store.transaction() as conn:
        sync_teams(conn, [Team("finance", "#finance-data"), Team("growth", "#growth"), Team("platform", "#platform")])
        upsert_people(conn, [Person("PAT", "platform@tiny.example", "Pat", "platform")])


def test_ingest_writes_assets_lineage_owners_runs_and_tests(store, now, teams, tmp_path) -> None:
    report = ingest_dbt(store, config(), "shop", tmp_path, now)
    assert report.rows_bad == 0 and report.details["assets"] == 11
    assert len(report.details["invocations"]) == 2
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(assets)).scalar_one() == 11
        ups = {str(e.upstream) for e in upstream_edges(conn, FCT)}
        assert ups == {"duckdb://tiny_shop.main_staging.stg_orders", "duckdb://tiny_shop.main_staging.stg_payments"}
        assert any(e.downstream_column == "amount" for e in upstream_edges(conn, FCT, columns=True))
        fct_runs = runs_for_asset(conn, FCT)
        assert len(fct_runs) == 2 and {r.parent_run_id for r in fct_runs} == set(report.details["invocations"])
        results = results_for_asset(conn, DIM)
        assert {r.status.value for r in results if r.check == "dbt:positive_dim_customers_lifetime_value"} == {"fail"}
        answer = lookup_owner(conn, "FCT_ORDERS")
    assert answer.status == "found" and answer.owner.owner == "finance"  # "finance-team" names the team
    assert answer.owner.source is OwnershipSource.ORCHESTRATOR
    assert answer.last_run.task == "model.tiny_shop.fct_orders"
    body = answer_json(answer)
    ups = {u["key"]: u for u in body["upstream"]}
    assert ups["duckdb://tiny_shop.main_staging.stg_orders"]["team"] == "platform"  # via the person's e-mail


def test_group_owner_resolves_to_team_and_channel(store, now, teams, tmp_path) -> None:
    ingest_dbt(store, config(), "shop", tmp_path, now)
    with store.read() as conn:
        answer = lookup_owner(conn, '"tiny_shop"."main_marts"."orders_daily"')
    assert answer.owner.owner == "finance" and answer.slack_channel == "#finance-data"
    assert "group 'finance'" in answer.owner.detail


def test_reingest_changes_nothing(store, now, teams, tmp_path) -> None:
    ingest_dbt(store, config(), "shop", tmp_path, now)
    before = snapshot(store)
    again = ingest_dbt(store, config(), "shop", tmp_path, now.replace(hour=13))
    assert again.rows_written == 0
    assert snapshot(store) == before


def test_catalog_edits_win_and_survive_reingestion(store, now, teams, tmp_path) -> None:
    ingest_dbt(store, config(), "shop", tmp_path, now)
    with store.transaction() as conn:
        edit_owner(conn, FCT, "growth", "editor-token", now)
        edit_description(conn, FCT, "Orders, edited by a human.", "editor-token", now)
    ingest_dbt(store, config(), "shop", tmp_path, now.replace(hour=14))
    with store.read() as conn:
        answer = lookup_owner(conn, "main_marts.fct_orders")
    assert answer.owner.owner == "growth" and answer.owner.source is OwnershipSource.EDIT
    assert answer.slack_channel == "#growth"
    assert [c.owner for c in answer.owner.overridden if c.source is OwnershipSource.ORCHESTRATOR] == ["finance"]
    assert answer.asset.description == "Orders, edited by a human."
    with store.transaction() as conn:
        edit_owner(conn, FCT, None, "editor-token", now)
        assert lookup_owner(conn, "fct_orders").owner.owner == "finance"


def test_removed_ref_removes_its_edge(store, now, teams, tmp_path) -> None:
    ingest_dbt(store, config(), "shop", tmp_path, now)
    manifest = json.loads((FIX / "manifest.json").read_text())
    node = manifest["nodes"]["model.tiny_shop.fct_orders"]
    node["depends_on"]["nodes"] = ["model.tiny_shop.stg_orders"]
    node["compiled_code"] = 'select order_id from "tiny_shop"."main_staging"."stg_orders"'
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    ingest_dbt(store, DbtConfig(manifest=tmp_path / "manifest.json"), "shop", tmp_path, now)
    with store.read() as conn:
        assert {e.upstream.short_name for e in upstream_edges(conn, FCT)} == {"stg_orders"}
        assert {e.upstream.short_name for e in upstream_edges(conn, FCT, columns=True)} == {"stg_orders"}


def test_queries_join_their_dbt_node_run(store, now, teams, tmp_path) -> None:
    ingest_dbt(store, config(), "shop", tmp_path, now)
    with store.read() as conn:
        run = runs_for_asset(conn, FCT)[0]
        during = run.start_time + (run.end_time - run.start_time) / 2
        by_node = find_run_for_query(conn, "DBT_RUNNER", during, dbt_node_id="model.tiny_shop.fct_orders")
        by_user = find_run_for_query(conn, "dbt_runner", during)
        index = load_run_index(conn, during, during)
        by_target = index.find(QueryContext(start_time=during, target=FCT))
        nobody = find_run_for_query(conn, "ALICE", during)
    assert by_node.run.run_id == run.run_id and by_node.rule == "dbt_node"
    assert by_user.run.run_id == run.run_id and by_user.rule == "user_window"
    assert by_target.run.run_id == run.run_id and by_target.rule == "write_target"
    assert nobody is None


def test_project_dir_reads_target_folder(store, now, teams, tmp_path) -> None:
    shutil.copytree(FIX, tmp_path / "proj" / "target")
    report = ingest_dbt(store, DbtConfig(project_dir=Path("proj")), "shop", tmp_path, now)
    assert report.details["assets"] == 11 and len(report.details["invocations"]) == 1
    assert report.details["source_freshness"] == 1  # target/sources.json read too


def test_bad_manifest_names_the_file(store, now, tmp_path) -> None:
    (tmp_path / "manifest.json").write_text('{"nodes": {"a": 1}')
    from observer.errors import InputError

    with pytest.raises(InputError, match=r"manifest.json:1: not valid JSON"):
        ingest_dbt(store, DbtConfig(manifest=tmp_path / "manifest.json"), "shop", tmp_path, now)
