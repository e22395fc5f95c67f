"""The Airflow collector: DAGs, DAG runs and task instances from the REST API (or exported responses).

What it writes, idempotently:

- every DAG run and task instance as a run (upserted by id, so a run seen ``running`` and later
  ``success`` is updated in place, and re-reading changes nothing);
- the asset each task instance wrote, when an OpenLineage event of the same task and DAG run told
  us (Airflow's OpenLineage provider posts those to ``/api/v1/lineage``);
- ownership claims "task owner (else DAG owner) of the task that writes it" for those assets and for
  the tables its tasks' warehouse queries wrote (queries joined to task runs by query attribution).

Incremental: a watermark keeps the latest run start seen; the next collect asks for runs started
since then minus ``lookback_hours`` (so runs still going last time are refreshed).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from collectors.airflow.client import AirflowClient, read_export
from collectors.airflow.config import AirflowConfig
from collectors.airflow.parse import DagInfo, owner_claims, parse_dag, parse_dag_run, parse_task_instance
from observer.errors import InputError
from observer.model import AssetKey, RunRecord
from observer.plugins import IngestReport, RunContext
from observer.store import Store
from observer.store.declared_owners import write_declared_claims
from observer.store.runs import task_outputs, upsert_runs, writes_by_task
from observer.store.watermarks import get_watermark, set_watermark

__all__ = ["AirflowCollector", "AirflowConfig", "write_airflow"]

BATCH = 5000


class AirflowCollector:
    name: ClassVar[str] = "airflow"
    config_model: ClassVar[type[AirflowConfig]] = AirflowConfig

    def __init__(self, config: AirflowConfig, source_name: str, transport: Any = None) -> None:
        self.config = config
        self.source_name = source_name
        self.transport = transport

    def collect(self, ctx: RunContext) -> IngestReport:
        with ctx.store.read() as conn:
            mark = get_watermark(conn, self.source_name, "runs")
        since = None
        if mark:
            since = datetime.fromisoformat(mark) - timedelta(hours=self.config.lookback_hours)
        if self.config.export_dir is not None:
            dags, tasks, dag_runs, tis = read_export(ctx.settings.resolve_path(self.config.export_dir))
        else:
            client = AirflowClient(self.config, self.transport)
            try:
                dags = list(client.dags())
                tasks = {str(d.get("dag_id")): client.tasks(str(d.get("dag_id"))) for d in dags if d.get("dag_id")}
                dag_runs = list(client.dag_runs(since))
                tis = list(client.task_instances(since))
            finally:
                client.close()
        return write_airflow(ctx.store, self.source_name, self.config, dags, tasks, dag_runs, tis, ctx.now, since)


def _bad(report: IngestReport, what: str, index: int, exc: InputError) -> None:
    report.bad(f"{what}[{index}] [{exc.field}]: {exc.reason}" if exc.field else f"{what}[{index}]: {exc.reason}")


def write_airflow(
    store: Store,
    source: str,
    config: AirflowConfig,
    dag_items: list[dict[str, Any]],
    task_items: dict[str, list[dict[str, Any]]],
    run_items: list[dict[str, Any]],
    ti_items: list[dict[str, Any]],
    now: datetime,
    since: datetime | None = None,
) -> IngestReport:
    """Parse API items and write them (see module docstring); bad items are counted and reported."""
    report = IngestReport(rows_read=len(dag_items) + len(run_items) + len(ti_items))
    dags: dict[str, DagInfo] = {}
    for i, item in enumerate(dag_items):
        try:
            dag = parse_dag(item)
        except InputError as exc:
            _bad(report, "dags", i, exc)
            continue
        dags[dag.dag_id] = dag
    task_owners = {
        (dag_id, str(t["task_id"])): str(t["owner"])
        for dag_id, items in task_items.items() for t in items if t.get("task_id") and t.get("owner")
    }
    with store.read() as conn:
        lineage = task_outputs(conn, "airflow", dags or None)
    outputs: dict[tuple[str, str, str], AssetKey] = {}
    for r in lineage:
        dag_run = r.attributes.get("dag_run_id")
        if dag_run and r.task and r.asset is not None:
            outputs[(r.job, str(dag_run), r.task)] = r.asset
    records: list[RunRecord] = []
    for i, item in enumerate(run_items):
        try:
            records.append(parse_dag_run(item, dags.get(str(item.get("dag_id"))), source))
        except InputError as exc:
            _bad(report, "dag_runs", i, exc)
    for i, item in enumerate(ti_items):
        try:
            key = (str(item.get("dag_id")), str(item.get("dag_run_id")), str(item.get("task_id")))
            records.append(parse_task_instance(
                item, dags.get(key[0]), task_owners.get((key[0], key[2])), source, config.warehouse_user,
                outputs.get(key),
            ))
        except InputError as exc:
            _bad(report, "task_instances", i, exc)
    starts = [r.start_time for r in records if r.start_time is not None]
    for start in range(0, len(records), BATCH):
        with store.transaction() as conn:
            report.rows_written += upsert_runs(conn, records[start : start + BATCH])
    writes = [(r.job, r.task, r.asset) for r in lineage if r.task and r.asset is not None]
    with store.read() as conn:
        writes += writes_by_task(conn, source)  # tables its tasks' warehouse queries wrote
    claims = owner_claims(writes, dags, task_owners, f"airflow:{source}")
    with store.transaction() as conn:
        report.rows_written += write_declared_claims(conn, f"airflow:{source}", claims, now)
        newest = max(starts).isoformat() if starts else None
        old = get_watermark(conn, source, "runs")
        if newest and (old is None or newest > old):
            set_watermark(conn, source, newest, now, "runs")
    report.details.update(dags=len(dags), runs=len(run_items), task_instances=len(ti_items), claims=len(claims),
                          since=since.isoformat() if since else None)
    return report
