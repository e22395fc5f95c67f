"""dbt artifacts from a real dbt-duckdb build (fixtures/duckdb) parsed into Observer values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from collectors.dbt.parse import declared_owner, parse_manifest, parse_run_results
from observer.errors import InputError
from observer.model import AssetKey, AssetKind, CheckStatus, OwnerKind, RunStatus

FIX = Path(__file__).parent / "fixtures" / "duckdb"


def load(name: str) -> dict:
    return json.loads((FIX / name).read_text())


@pytest.fixture(scope="module")
def project():
    return parse_manifest(load("manifest.json"), catalog=load("catalog.json"), source_name="shop")


def key(name: str) -> AssetKey:
    return AssetKey.of("duckdb", f"tiny_shop.{name}")


def test_nodes_become_assets_keyed_by_relation(project) -> None:
    kinds = {a.key: a.kind for a in project.assets}
    assert kinds[key("main_marts.fct_orders")] is AssetKind.MODEL
    assert kinds[key("main_raw.raw_orders")] is AssetKind.SEED
    assert kinds[key("main_snapshots.customers_snapshot")] is AssetKind.SNAPSHOT
    assert kinds[key("main_raw.payments")] is AssetKind.SOURCE
    assert kinds[AssetKey("dbt", "exposure.tiny_shop.revenue_dashboard")] is AssetKind.EXPOSURE
    assert project.platform == "duckdb" and project.project == "tiny_shop"
    assert len(project.assets) == 11  # 6 models, 2 seeds, 1 snapshot, 1 source, 1 exposure


def test_catalog_gives_types_and_manifest_gives_descriptions(project) -> None:
    fct = next(a for a in project.assets if a.key == key("main_marts.fct_orders"))
    cols = {c.name: c for c in fct.columns}
    assert [c.name for c in fct.columns] == ["order_id", "customer_id", "ordered_on", "status", "amount"]
    assert cols["amount"].description == "Sum of payments."
    assert cols["ordered_on"].data_type == "DATE"
    assert fct.description == "One row per order with its paid amount."
    assert fct.code_path == "models/marts/fct_orders.sql" and "ref('stg_orders')" in (fct.code or "")
    assert set(fct.tags) == {"finance", "daily"}
    assert fct.meta["materialized"] == "table" and fct.meta["group"] == "finance"


def test_depends_on_becomes_table_lineage(project) -> None:
    table = {(str(e.upstream), str(e.downstream)) for e in project.edges if not e.is_column_level}
    assert (str(key("main_staging.stg_payments")), str(key("main_marts.fct_orders"))) in table
    assert (str(key("main_raw.payments")), str(key("main_staging.stg_payments"))) in table
    assert (str(key("main_marts.orders_daily")), "dbt://exposure.tiny_shop.revenue_dashboard") in table
    assert (str(key("main_staging.stg_customers")), str(key("main_snapshots.customers_snapshot"))) in table


def test_compiled_sql_gives_column_lineage(project) -> None:
    cols = {(e.upstream.short_name, e.upstream_column, e.downstream.short_name, e.downstream_column)
            for e in project.edges if e.is_column_level}
    assert ("stg_payments", "amount", "fct_orders", "amount") in cols
    assert ("stg_orders", "ordered_on", "fct_orders", "ordered_on") in cols
    assert ("raw_customers", "country", "stg_customers", "country_code") in cols
    assert ("fct_orders", "amount", "dim_customers", "lifetime_value") in cols
    assert not project.column_lineage_errors


def test_owner_precedence_config_meta_then_meta_then_group(project) -> None:
    owners = {c.asset.short_name: (c.owner, c.owner_kind, c.detail) for c in project.claims}
    assert owners["fct_orders"][0] == "finance-team"  # config.meta.owner beats the group
    assert "config.meta.owner" in owners["fct_orders"][2]
    assert owners["stg_orders"][:2] == ("platform@tiny.example", OwnerKind.USER)
    assert owners["orders_daily"][:2] == ("finance", OwnerKind.TEAM)
    assert "finance@tiny.example" in owners["orders_daily"][2]
    assert owners["payments"][0] == "billing-team"  # source meta
    assert owners["revenue_dashboard"][0] == "lea@tiny.example"  # exposure owner
    assert "raw_orders" not in owners  # nobody declared one
    assert project.owner_hints[key("main_marts.dim_customers")] == (
        "growth", "growth@tiny.example", "growth-lead@tiny.example")
    assert all(c.origin == "dbt:shop" for c in project.claims)


def test_meta_owner_on_node_used_when_config_meta_absent() -> None:
    node = {"unique_id": "model.p.m", "config": {"meta": {}}, "meta": {"owner": "ops"}, "group": "g"}
    assert declared_owner(node, {})[0] == "ops"
    assert declared_owner({"unique_id": "model.p.m", "group": "g"}, {"group.p.g": {"name": "g", "owner": {"email": "g@x"}}})[:1] == ("g",)


def test_run_results_become_node_runs_and_check_results(project) -> None:
    run, errors = parse_run_results(load("run_results.json"), project, source="shop", warehouse_user="dbt_runner")
    assert not errors and not run.skipped and run.command == "build"
    by_task = {r.task: r for r in run.runs}
    fct = by_task["model.tiny_shop.fct_orders"]
    assert fct.asset == key("main_marts.fct_orders") and fct.status is RunStatus.SUCCESS
    assert fct.parent_run_id == run.invocation_id and fct.run_id == f"{run.invocation_id}:model.tiny_shop.fct_orders"
    assert fct.start_time <= fct.end_time and fct.owner == "finance-team"
    assert fct.attributes["warehouse_user"] == "dbt_runner"
    assert by_task["seed.tiny_shop.raw_orders"].rows_affected == 5
    parent = by_task[None]
    assert parent.run_id == run.invocation_id and parent.status is RunStatus.FAILED  # a test failed
    assert parent.attributes["statuses"]["fail"] == 1
    assert all(not (r.task or "").startswith(("test.", "operation.", "exposure.")) for r in run.runs)
    checks = {c.check: c for c in run.checks}
    assert len(checks) == 11
    failed = checks["dbt:positive_dim_customers_lifetime_value"]
    assert failed.status is CheckStatus.FAIL and failed.asset == key("main_marts.dim_customers")
    assert failed.observed["failures"] == 1 and failed.run_key == run.invocation_id
    assert checks["dbt:accepted_values_stg_orders_status__completed__returned"].status is CheckStatus.WARN
    assert checks["dbt:source_unique_billing_payments_payment_id"].asset == key("main_raw.payments")


def test_docs_generate_results_are_not_runs(project) -> None:
    data = load("run_results.json")
    data["args"]["which"] = "generate"
    run, _ = parse_run_results(data, project, source="shop")
    assert run.skipped and not run.runs and not run.checks


def test_bad_result_is_reported_and_the_rest_kept(project) -> None:
    data = load("run_results.json")
    data["results"][1]["timing"] = [{"name": "execute", "started_at": "yesterday", "completed_at": None}]
    del data["results"][2]["unique_id"]
    run, errors = parse_run_results(data, project, source="shop", file="rr.json")
    assert len(errors) == 2
    assert errors[0].startswith("rr.json [results[1]]") and "yesterday" in errors[0]
    assert "unique_id" in errors[1]
    assert len(run.runs) == 8  # 9 nodes ran, both broken rows (two seeds) dropped, + the invocation run


def test_not_a_manifest_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="not a dbt manifest"):
        parse_manifest({"metadata": {}})


def test_source_freshness_results(project) -> None:
    from collectors.dbt.parse import parse_sources_freshness

    data = load("sources.json")
    results, errors = parse_sources_freshness(data, project)
    assert not errors and len(results) == 1
    r = results[0]
    assert (r.check, r.asset, r.status) == ("dbt:source_freshness", key("main_raw.payments"), CheckStatus.PASS)
    assert r.expected["error_after"] == {"count": 24, "period": "hour"} and "max_loaded_at" in r.observed
    data["results"][0]["status"] = "error"
    data["results"].append({**data["results"][0], "unique_id": "source.tiny_shop.billing.gone"})
    results, errors = parse_sources_freshness(data, project, file="s.json")
    assert results[0].status is CheckStatus.FAIL
    assert errors == ["s.json [results[1].unique_id]: 'source.tiny_shop.billing.gone' is not a source of the manifest"]
