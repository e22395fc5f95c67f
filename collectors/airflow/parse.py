"""Airflow API items → Observer values (pure).

- a DAG → :class:`DagInfo` (owners, tags, file location, paused/stale; Airflow 3's ``is_stale`` and
  Airflow 2's ``is_active`` both understood);
- a DAG run → a run (``<dag_id>/<dag_run_id>``) carrying the DAG's owners, tags and file;
- a task instance → a task run under it (``<dag_id>/<dag_run_id>/<task_id>`` plus ``[map_index]`` for
  mapped tasks) with its window, try number and operator — what query ↔ task joins use;
- tasks that wrote assets (known from OpenLineage or query attribution) → ownership claims for the
  task's ``owner`` (else the DAG's owners), Airflow's default owner ``airflow`` meaning nobody.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from observer.errors import InputError
from observer.model import AssetKey, OwnerKind, Ownership, OwnershipSource, RunRecord, RunStatus

DEFAULT_OWNER = "airflow"
_STATUS = {
    "success": RunStatus.SUCCESS,
    "failed": RunStatus.FAILED,
    "upstream_failed": RunStatus.FAILED,
    "running": RunStatus.RUNNING,
    "queued": RunStatus.RUNNING,
    "scheduled": RunStatus.RUNNING,
    "restarting": RunStatus.RUNNING,
    "up_for_retry": RunStatus.RUNNING,
    "up_for_reschedule": RunStatus.RUNNING,
    "deferred": RunStatus.RUNNING,
    "skipped": RunStatus.SKIPPED,
    "removed": RunStatus.SKIPPED,
}


@dataclass(frozen=True)
class DagInfo:
    dag_id: str
    owners: tuple[str, ...]
    tags: tuple[str, ...]
    fileloc: str | None
    description: str | None
    is_paused: bool
    is_stale: bool


def parse_time(value: Any, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"not an ISO timestamp: {value!r}", field=field) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _required(item: Mapping[str, Any], name: str) -> str:
    value = item.get(name)
    if value in (None, ""):
        raise InputError("required", field=name)
    return str(value)


def parse_dag(item: Mapping[str, Any]) -> DagInfo:
    tags = tuple(sorted(str(t["name"] if isinstance(t, dict) else t) for t in item.get("tags") or ()))
    owners = tuple(o for o in (item.get("owners") or ()) if o)
    stale = bool(item["is_stale"]) if "is_stale" in item else not bool(item.get("is_active", True))
    return DagInfo(
        _required(item, "dag_id"), owners, tags, item.get("fileloc") or item.get("relative_fileloc"),
        item.get("description"), bool(item.get("is_paused")), stale,
    )


def status_of(state: Any) -> RunStatus:
    return _STATUS.get(str(state or "").lower(), RunStatus.OTHER)


def parse_dag_run(item: Mapping[str, Any], dag: DagInfo | None, source: str) -> RunRecord:
    dag_id = _required(item, "dag_id")
    run_id = _required(item, "dag_run_id")
    return RunRecord(
        source=source,
        run_id=f"{dag_id}/{run_id}",
        orchestrator="airflow",
        job=dag_id,
        status=status_of(item.get("state")),
        start_time=parse_time(item.get("start_date"), "start_date"),
        end_time=parse_time(item.get("end_date"), "end_date"),
        owner=", ".join(o for o in dag.owners if o != DEFAULT_OWNER) or None if dag else None,
        attributes={k: v for k, v in {
            "dag_run_id": run_id,
            "run_type": item.get("run_type"),
            "logical_date": item.get("logical_date"),
            "data_interval_start": item.get("data_interval_start"),
            "data_interval_end": item.get("data_interval_end"),
            "triggered_by": item.get("triggered_by"),
            "fileloc": dag.fileloc if dag else None,
            "tags": list(dag.tags) if dag and dag.tags else None,
        }.items() if v is not None},
    )


def task_run_id(dag_id: str, dag_run_id: str, task_id: str, map_index: int) -> str:
    base = f"{dag_id}/{dag_run_id}/{task_id}"
    return f"{base}[{map_index}]" if map_index >= 0 else base


def parse_task_instance(
    item: Mapping[str, Any],
    dag: DagInfo | None,
    task_owner: str | None,
    source: str,
    warehouse_user: str | None = None,
    asset: AssetKey | None = None,
) -> RunRecord:
    dag_id = _required(item, "dag_id")
    dag_run_id = _required(item, "dag_run_id")
    task_id = _required(item, "task_id")
    raw_index = item.get("map_index")
    map_index = int(raw_index) if isinstance(raw_index, int | str) and str(raw_index).lstrip("-").isdigit() else -1
    owner = task_owner if task_owner and task_owner != DEFAULT_OWNER else None
    if owner is None and dag is not None:
        owner = ", ".join(o for o in dag.owners if o != DEFAULT_OWNER) or None
    return RunRecord(
        source=source,
        run_id=task_run_id(dag_id, dag_run_id, task_id, map_index),
        orchestrator="airflow",
        job=dag_id,
        status=status_of(item.get("state")),
        start_time=parse_time(item.get("start_date"), "start_date"),
        end_time=parse_time(item.get("end_date"), "end_date"),
        task=task_id,
        parent_run_id=f"{dag_id}/{dag_run_id}",
        asset=asset,
        owner=owner,
        attributes={k: v for k, v in {
            "dag_run_id": dag_run_id,
            "map_index": map_index if map_index >= 0 else None,
            "try_number": item.get("try_number"),
            "operator": item.get("operator") or item.get("operator_name"),
            "hostname": item.get("hostname") or None,
            "pool": item.get("pool"),
            "queue": item.get("queue"),
            "duration": item.get("duration"),
            "warehouse_user": warehouse_user,
        }.items() if v is not None},
    )


def owner_claims(
    writes: Iterable[tuple[str, str, AssetKey]],
    dags: Mapping[str, DagInfo],
    task_owners: Mapping[tuple[str, str], str],
    origin: str,
) -> list[Ownership]:
    """One claim per asset written by an Airflow task: the task's owner, else its DAG's owners."""
    out: dict[AssetKey, Ownership] = {}
    for dag_id, task_id, asset in sorted(set(writes), key=lambda w: (str(w[2]), w[0], w[1])):
        if asset in out:
            continue
        owner = task_owners.get((dag_id, task_id))
        how = f"Airflow owner of task {dag_id}.{task_id}, which writes it"
        if not owner or owner == DEFAULT_OWNER:
            dag = dags.get(dag_id)
            named = [o for o in (dag.owners if dag else ()) if o != DEFAULT_OWNER]
            if not named:
                continue
            owner = named[0]
            more = f" (also {', '.join(named[1:])})" if len(named) > 1 else ""
            how = f"Airflow owner of DAG {dag_id}{more}, whose task {task_id} writes it"
        # A person unless the name turns out to be a team (resolved when the claim is written).
        out[asset] = Ownership(asset, owner, OwnerKind.USER, OwnershipSource.ORCHESTRATOR, how, origin)
    return list(out.values())
