"""Airflow 3 REST API v2 responses for Larkspur's DAGs, as an export a collector can read offline.

Three files, each exactly the body of one collection response:

* ``dags.json`` — ``GET /api/v2/dags`` (``DAGCollectionResponse``: ``dags``, ``total_entries``)
* ``dag_runs.json`` — ``GET /api/v2/dags/~/dagRuns`` (``DAGRunCollectionResponse``)
* ``task_instances.json`` — ``GET /api/v2/dags/~/dagRuns/~/taskInstances``
  (``TaskInstanceCollectionResponse``)

Times are ISO 8601 with ``Z``, as the API serialises them.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

from observer.demo.loaders import DAGS, DagRun, DagSpec, TaskRun

DAGS_FOLDER = "/opt/airflow/dags"
BUNDLE = "dags-folder"


def z(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def _version(spec: DagSpec, created: datetime) -> dict[str, Any]:
    return {"id": str(uuid.UUID(hashlib.md5(spec.dag_id.encode()).hexdigest(), version=4)), "version_number": 1,
            "dag_id": spec.dag_id, "bundle_name": BUNDLE, "bundle_version": None, "created_at": z(created),
            "dag_display_name": spec.dag_id, "bundle_url": None}


def dags_response(as_of: datetime, history_start: datetime) -> dict[str, Any]:
    dags: list[dict[str, Any]] = []
    for spec in DAGS:
        dags.append({
            "dag_id": spec.dag_id, "dag_display_name": spec.dag_id, "is_paused": False, "is_stale": False,
            "last_parsed_time": z(as_of - timedelta(seconds=41)), "last_expired": None,
            "bundle_name": BUNDLE, "bundle_version": None, "relative_fileloc": spec.fileloc,
            "fileloc": f"{DAGS_FOLDER}/{spec.fileloc}", "description": spec.description,
            "timetable_summary": spec.schedule, "timetable_description": _describe(spec.schedule),
            "tags": [{"name": t, "dag_id": spec.dag_id} for t in sorted(spec.tags)], "max_active_tasks": 16,
            "max_active_runs": 1, "max_consecutive_failed_dag_runs": 0, "has_task_concurrency_limits": False,
            "has_import_errors": False, "next_dagrun_logical_date": None, "next_dagrun_data_interval_start": None,
            "next_dagrun_data_interval_end": None, "next_dagrun_run_after": None, "owners": [spec.owner],
            "file_token": hashlib.sha256(spec.fileloc.encode()).hexdigest()[:40],
        })
    return {"dags": dags, "total_entries": len(dags)}


def _describe(cron: str) -> str:
    return {"0 * * * *": "At 0 minutes past the hour", "10 4 * * *": "At 04:10",
            "30 3 * * *": "At 03:30", "0 18 * * 1-5": "At 18:00, Monday through Friday",
            "0 7 * * *": "At 07:00"}.get(cron, cron)


def dag_runs_response(runs: list[DagRun], history_start: datetime) -> dict[str, Any]:
    out: list[dict[str, Any]] = []
    for r in runs:
        spec = next(d for d in DAGS if d.dag_id == r.dag_id)
        out.append({
            "dag_run_id": r.run_id, "dag_id": r.dag_id, "logical_date": z(r.logical_date), "queued_at": z(r.queued_at),
            "start_date": z(r.start), "end_date": z(r.end), "duration": round((r.end - r.start).total_seconds(), 6),
            "data_interval_start": z(r.interval_start), "data_interval_end": z(r.interval_end),
            "run_after": z(r.interval_end), "last_scheduling_decision": z(r.end), "run_type": "scheduled",
            "state": r.state, "triggered_by": "timetable", "triggering_user_name": None, "conf": {}, "note": None,
            "dag_versions": [_version(spec, history_start)], "bundle_version": None, "dag_display_name": r.dag_id,
        })
    return {"dag_runs": out, "total_entries": len(out)}


def task_instances_response(runs: list[DagRun], history_start: datetime) -> dict[str, Any]:
    out: list[dict[str, Any]] = []
    for r in runs:
        spec = next(d for d in DAGS if d.dag_id == r.dag_id)
        for priority, t in enumerate(r.tasks):
            out.append(_task_instance(r, t, spec, len(r.tasks) - priority, history_start))
    return {"task_instances": out, "total_entries": len(out)}


def _task_instance(r: DagRun, t: TaskRun, spec: DagSpec, weight: int, history_start: datetime) -> dict[str, Any]:
    ident = uuid.UUID(hashlib.md5(f"{r.dag_id}|{r.run_id}|{t.task_id}".encode()).hexdigest(), version=4)
    worker = int(hashlib.md5(ident.bytes).hexdigest(), 16) % 3
    return {
        "id": str(ident), "task_id": t.task_id, "dag_id": r.dag_id, "dag_run_id": r.run_id, "map_index": -1,
        "logical_date": z(r.logical_date), "run_after": z(r.interval_end), "start_date": z(t.start),
        "end_date": z(t.end), "duration": round((t.end - t.start).total_seconds(), 6), "state": t.state,
        "try_number": t.try_number, "max_tries": 2, "task_display_name": t.task_id,
        "hostname": f"airflow-worker-{worker}.airflow-worker.airflow.svc.cluster.local", "unixname": "airflow",
        "pool": "default_pool", "pool_slots": 1, "queue": "default", "priority_weight": weight,
        "operator": t.operator, "queued_when": z(t.start - timedelta(seconds=0.8)),
        "scheduled_when": z(t.start - timedelta(seconds=1.4)), "pid": 1000 + (int(ident.int % 60000)),
        "executor": "CeleryExecutor", "executor_config": "{}", "note": None, "rendered_map_index": None,
        "rendered_fields": {}, "trigger": None, "triggerer_job": None, "dag_version": _version(spec, history_start),
    }
