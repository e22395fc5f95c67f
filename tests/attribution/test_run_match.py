"""Which orchestrator run a query belongs to: the rules of observer.attribution.run_match."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from observer.attribution.run_match import QueryContext, RunIndex
from observer.model import AssetKey, RunRecord, RunStatus

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
ORDERS = AssetKey("snowflake", "analytics.marts.orders")


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def run(run_id: str, orch: str, job: str, task: str | None, start: float, end: float | None, **kw) -> RunRecord:
    return RunRecord("src", run_id, orch, job, RunStatus.SUCCESS, at(start), at(end) if end is not None else None,
                     task=task, **kw)


INDEX = RunIndex([
    run("inv1:model.shop.orders", "dbt", "shop", "model.shop.orders", 0, 5, parent_run_id="inv1", asset=ORDERS,
        attributes={"warehouse_user": "DBT_PROD"}),
    run("inv2:model.shop.orders", "dbt", "shop", "model.shop.orders", 60, 64, parent_run_id="inv2", asset=ORDERS,
        attributes={"warehouse_user": "DBT_PROD"}),
    run("inv2:model.shop.customers", "dbt", "shop", "model.shop.customers", 61, 63, parent_run_id="inv2",
        attributes={"warehouse_user": "DBT_PROD"}),
    run("load/r1/copy", "airflow", "load", "copy", 10, 20, attributes={"dag_run_id": "r1", "warehouse_user": "AIRFLOW"}),
    run("load/r2/copy", "airflow", "load", "copy", 70, 80, attributes={"dag_run_id": "r2", "warehouse_user": "AIRFLOW"}),
    run("d1:step_a", "dagster", "job", "step_a", 30, 31, parent_run_id="d1", attributes={"dagster_run_id": "d1"}),
    run("d1:step_b", "dagster", "job", "step_b", 31, 33, parent_run_id="d1", attributes={"dagster_run_id": "d1"}),
    run("inv1", "dbt", "shop", None, 0, 6),  # invocation-level: never a match for a query
])


def test_dbt_node_picks_the_run_executing_it() -> None:
    m = INDEX.find(QueryContext(start_time=at(62), dbt_node_id="model.shop.orders"))
    assert m.run.run_id == "inv2:model.shop.orders" and m.rule == "dbt_node"
    m = INDEX.find(QueryContext(start_time=at(62), dbt_node_id="model.shop.orders", dbt_invocation_id="inv1"))
    assert m.run.run_id == "inv1:model.shop.orders"  # the invocation id in the comment wins over time


def test_dbt_node_outside_any_window_falls_back_to_latest_before() -> None:
    m = INDEX.find(QueryContext(start_time=at(40), dbt_node_id="model.shop.orders"))
    assert m.run.run_id == "inv1:model.shop.orders"


def test_airflow_task_by_tag_and_dag_run() -> None:
    m = INDEX.find(QueryContext(start_time=at(75), airflow_dag_id="load", airflow_task_id="copy"))
    assert m.run.run_id == "load/r2/copy" and m.rule == "airflow_task"
    m = INDEX.find(QueryContext(start_time=at(75), airflow_dag_id="load", airflow_task_id="copy", airflow_run_id="r1"))
    assert m.run.run_id == "load/r1/copy"
    assert INDEX.find(QueryContext(start_time=at(75), airflow_dag_id="other", airflow_task_id="copy")) is None


def test_dagster_run_and_step() -> None:
    m = INDEX.find(QueryContext(start_time=at(32), dagster_run_id="d1"))
    assert m.run.task == "step_b" and m.rule == "dagster_run"
    m = INDEX.find(QueryContext(start_time=at(32), dagster_run_id="d1", dagster_step="step_a"))
    assert m.run.task == "step_a"


def test_write_target_during_a_task_window() -> None:
    m = INDEX.find(QueryContext(start_time=at(2), target=ORDERS))
    assert m.run.run_id == "inv1:model.shop.orders" and m.rule == "write_target"
    assert INDEX.find(QueryContext(start_time=at(40), target=ORDERS)) is None


def test_user_window_prefers_exact_and_tightest_and_is_case_blind() -> None:
    m = INDEX.find(QueryContext(start_time=at(62), user_name="dbt_prod"))
    assert m.rule == "user_window" and m.run.run_id == "inv2:model.shop.customers"  # tightest of 2 running
    assert "tightest of 2" in m.reason
    assert INDEX.find(QueryContext(start_time=at(62), user_name="ALICE")) is None
    assert INDEX.find(QueryContext(start_time=at(45), user_name="DBT_PROD")) is None  # nothing running


def test_clock_slack_only_when_nothing_holds_the_moment_exactly() -> None:
    m = INDEX.find(QueryContext(start_time=at(20) + timedelta(seconds=3), user_name="AIRFLOW"))
    assert m.run.run_id == "load/r1/copy"  # 3 s after the task ended: still that task
    assert INDEX.find(QueryContext(start_time=at(20) + timedelta(seconds=30), user_name="AIRFLOW")) is None


def test_running_at_ignores_runs_without_a_task() -> None:
    assert [r.run_id for r in INDEX.running_at(at(3))] == ["inv1:model.shop.orders"]
