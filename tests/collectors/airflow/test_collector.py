"""The Airflow collector over recorded responses of a real Airflow 3.3.2 (export files and a fake
REST API), joined with the OpenLineage events that Airflow emitted for the same run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from collectors.airflow import AirflowCollector, AirflowConfig
from collectors.airflow.parse import parse_dag
from observer.catalog.owner_lookup import lookup_owner
from observer.config import Settings
from observer.errors import TerminalSourceError
from observer.model import AssetKey, Person, RunStatus, Team
from observer.plugins import RunContext
from observer.store.openlineage import ingest_event
from observer.store.ownership import sync_teams, upsert_people
from observer.store.runs import find_run_for_query, get_run
from observer.store.tables import runs
from tests.collectors.airflow.fake_airflow import FakeAirflow

HERE = Path(__file__).parent
RAW = AssetKey.of("postgres", "observer.public.orders_raw")
DAILY = AssetKey.of("postgres", "observer.public.orders_daily")
DAG_RUN = "manual__2026-11-22T02:32:58.063394+00:00"


def ctx(store, now) -> RunContext:
    return RunContext(store, Settings(base_dir=HERE / "fixtures"), now)


@pytest.fixture
def lineage(store, now) -> None:
    """Airflow's OpenLineage events of the same DAG run, as the receiver would have stored them."""
    with store.transaction() as conn:
        sync_teams(conn, [Team("finance", "#finance-data")])
        upsert_people(conn, [Person("carol", "carol@shop.example", "Carol", "finance")])
        for line in (HERE / "fixtures" / "openlineage_events.jsonl").read_text().splitlines():
            ingest_event(conn, json.loads(line), now)


def test_export_files_give_runs_task_outputs_and_owners(store, now, lineage) -> None:
    collector = AirflowCollector(AirflowConfig(export_dir=Path("v2"), warehouse_user="AIRFLOW_SVC"), "airflow")
    report = collector.collect(ctx(store, now))
    assert report.rows_bad == 0 and report.details["task_instances"] == 4
    with store.read() as conn:
        ti = get_run(conn, "airflow", f"shop_daily/{DAG_RUN}/build_daily")
        dag_run = get_run(conn, "airflow", f"shop_daily/{DAG_RUN}")
        failed = conn.execute(select(func.count()).select_from(runs).where(runs.c.status == "failed")).scalar_one()
        daily = lookup_owner(conn, "orders_daily")
        raw = lookup_owner(conn, "orders_raw")
        during = ti.start_time + (ti.end_time - ti.start_time) / 2
        match = find_run_for_query(conn, "airflow_svc", during, airflow_dag_id="shop_daily", airflow_task_id="build_daily")
    assert ti.status is RunStatus.SUCCESS and ti.asset == DAILY and ti.owner == "carol"
    assert ti.attributes["operator"] == "SQLExecuteQueryOperator" and ti.parent_run_id == dag_run.run_id
    assert set(dag_run.owner.split(", ")) == {"finance", "carol"} and dag_run.attributes["tags"] == ["daily", "shop"]
    assert failed == 3  # the first, failed DAG run and its two task instances
    assert daily.owner.owner == "carol" and daily.owner.team == "finance"
    assert "task shop_daily.build_daily" in daily.owner.detail
    assert raw.owner.owner == "finance" and raw.slack_channel == "#finance-data"
    assert daily.last_run.orchestrator == "airflow"
    assert match.rule == "airflow_task" and match.run.task == "build_daily"


def test_reingest_changes_nothing(store, now, lineage) -> None:
    collector = AirflowCollector(AirflowConfig(export_dir=Path("v2")), "airflow")
    collector.collect(ctx(store, now))
    assert collector.collect(ctx(store, now)).rows_written == 0


@pytest.mark.parametrize("version", ["v2", "v1"])
def test_live_api_pages_and_authenticates(store, now, lineage, version) -> None:
    fake = FakeAirflow(max_page=1)
    config = AirflowConfig(base_url="http://airflow.test", api_version=version, username="observer",
                           password="s3cret", page_size=1)
    report = AirflowCollector(config, "airflow", fake.transport()).collect(ctx(store, now))
    assert report.rows_bad == 0 and report.details["task_instances"] == 4 and report.details["runs"] == 2
    ti_pages = [r for r in fake.requests if "taskInstances" in r]
    assert len(ti_pages) >= 4  # one item per page
    if version == "v2":
        assert fake.requests[0] == "POST /auth/token"
    with store.read() as conn:
        assert get_run(conn, "airflow", f"shop_daily/{DAG_RUN}/build_daily").asset == DAILY


def test_wrong_password_is_terminal_and_names_no_secret(store, now) -> None:
    config = AirflowConfig(base_url="http://airflow.test", username="observer", password="wrong-pw")
    with pytest.raises(TerminalSourceError) as err:
        AirflowCollector(config, "airflow", FakeAirflow().transport()).collect(ctx(store, now))
    assert "401" in str(err.value) and "wrong-pw" not in str(err.value)


def test_incremental_asks_from_the_watermark(store, now, lineage) -> None:
    fake = FakeAirflow()
    config = AirflowConfig(base_url="http://airflow.test", username="observer", password="s3cret", lookback_hours=0)
    AirflowCollector(config, "airflow", fake.transport()).collect(ctx(store, now))
    second = AirflowCollector(config, "airflow", fake.transport()).collect(ctx(store, now))
    assert second.details["since"].startswith("2026-11-22T02:33")
    assert second.details["runs"] == 0 and second.rows_written == 0  # newest run started before the last TI


def test_airflow2_dag_fields() -> None:
    dag = parse_dag({"dag_id": "d", "is_active": False, "owners": ["ops"], "tags": [{"name": "x"}], "fileloc": "/dags/d.py"})
    assert dag.is_stale and dag.owners == ("ops",) and dag.tags == ("x",)


def test_bad_items_are_counted_and_the_rest_kept(store, now, lineage, tmp_path) -> None:
    for name in ("dags.json", "dag_runs.json", "task_instances.json", "tasks_shop_daily.json"):
        (tmp_path / name).write_text((HERE / "fixtures" / "v2" / name).read_text())
    tis = json.loads((tmp_path / "task_instances.json").read_text())
    tis["task_instances"][0]["start_date"] = "not a date"
    del tis["task_instances"][1]["dag_run_id"]
    (tmp_path / "task_instances.json").write_text(json.dumps(tis))
    report = AirflowCollector(AirflowConfig(export_dir=tmp_path), "airflow").collect(ctx(store, now))
    assert report.rows_bad == 2
    assert report.errors == ["task_instances[0] [start_date]: not an ISO timestamp: 'not a date'",
                             "task_instances[1] [dag_run_id]: required"]


def test_tables_written_by_a_tasks_queries_get_its_owner(store, now) -> None:
    from datetime import timedelta

    from observer.model import Asset
    from observer.store.assets import upsert_assets
    from observer.store.tables import queries

    collector = AirflowCollector(AirflowConfig(export_dir=Path("v2")), "airflow")
    collector.collect(ctx(store, now))  # no OpenLineage this time: the tasks' tables are unknown
    target = AssetKey.of("snowflake", "analytics.raw.orders_copy")
    with store.transaction() as conn:
        upsert_assets(conn, [Asset(target)], now)  # as the warehouse collector would have it
        ti = get_run(conn, "airflow", f"shop_daily/{DAG_RUN}/load_orders")
        conn.execute(queries.insert(), [{
            "source": "sf", "query_id": "q1", "platform": "snowflake", "text": "insert into analytics.raw.orders_copy …",
            "user_name": "AIRFLOW_SVC", "status": "success", "start_time": ti.start_time,
            "end_time": ti.start_time + timedelta(seconds=1), "asset_key": str(target),
            "attribution_rule": "write_target", "run_id": ti.run_id,
        }])
    collector.collect(ctx(store, now))
    with store.read() as conn:
        answer = lookup_owner(conn, str(target))
    assert answer.owner.owner == "finance" and "task shop_daily.load_orders" in answer.owner.detail
