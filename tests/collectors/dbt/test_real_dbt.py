"""Against a real dbt (1.11, own virtualenv): ``dbt build`` of tests/collectors/dbt/project on
dbt-duckdb and on dbt-postgres against the real PostgreSQL, then the collector on what it wrote."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlalchemy import create_engine, text

from collectors.dbt import DbtConfig, ingest_dbt
from observer.catalog.owner_lookup import lookup_owner
from observer.model import AssetKey, CheckStatus, RunStatus, Team
from observer.store.check_results import results_for_asset
from observer.store.engine import normalize_url
from observer.store.lineage import upstream_edges
from observer.store.ownership import sync_teams
from observer.store.runs import runs_for_asset
from tests.collectors.dbt.dbt_runner import build

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("dbt")]


def ingest(store, artifacts: Path, now):
    with store.transaction() as conn:
        sync_teams(conn, [Team("finance", "#finance-data"), Team("growth", "#growth")])
    config = DbtConfig(manifest=artifacts / "manifest.json", catalog=artifacts / "catalog.json", sources=artifacts / "sources.json",
                       run_results=[str(artifacts / "runs" / "*" / "run_results.json")])
    return ingest_dbt(store, config, "dbt", artifacts, now)


def check(store, platform: str, database: str, prefix: str, now, artifacts: Path, builds: int = 2) -> None:
    report = ingest(store, artifacts, now)
    assert report.rows_bad == 0 and report.details["assets"] == 11 and len(report.details["invocations"]) == builds
    assert report.details["source_freshness"] == 1
    assert report.details["column_lineage_errors"] == 0
    fct = AssetKey.of(platform, f"{database}.{prefix}_marts.fct_orders")
    dim = AssetKey.of(platform, f"{database}.{prefix}_marts.dim_customers")
    with store.read() as conn:
        answer = lookup_owner(conn, "fct_orders")
        runs = runs_for_asset(conn, fct)
        checks = {r.check: r for r in results_for_asset(conn, dim)}
        ups = {e.upstream.short_name for e in upstream_edges(conn, fct)}
        cols = {(e.upstream_column, e.downstream_column) for e in upstream_edges(conn, fct, columns=True)}
    assert answer.asset.key == fct and answer.owner.owner == "finance" and answer.slack_channel == "#finance-data"
    assert [c.name for c in answer.asset.columns] == ["order_id", "customer_id", "ordered_on", "status", "amount"]
    assert all(c.data_type for c in answer.asset.columns)
    assert len(runs) == builds and all(r.status is RunStatus.SUCCESS and r.start_time <= r.end_time for r in runs)
    assert checks["dbt:positive_dim_customers_lifetime_value"].status is CheckStatus.FAIL
    assert ups == {"stg_orders", "stg_payments"} and ("amount", "amount") in cols
    assert ingest(store, artifacts, now).rows_written == 0


def test_dbt_duckdb_build(sqlite_store, now, tmp_path) -> None:
    artifacts = build(tmp_path / "duckdb")
    check(sqlite_store, "duckdb", "tiny_shop", "main", now, artifacts)


@pytest.mark.postgres
def test_dbt_postgres_build(sqlite_store, now, tmp_path, pg_url) -> None:
    url = urlparse(pg_url)
    db = f"dbt_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalize_url(pg_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    try:
        env = {"TINY_SHOP_PG_HOST": url.hostname or "127.0.0.1", "TINY_SHOP_PG_PORT": str(url.port or 5432),
               "TINY_SHOP_PG_USER": url.username or "observer", "TINY_SHOP_PG_PASSWORD": url.password or "",
               "TINY_SHOP_PG_DBNAME": db}
        artifacts = build(tmp_path / "pg", target="postgres", extra_env=env, builds=1)
        check(sqlite_store, "postgres", db, "public", now, artifacts, builds=1)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()
