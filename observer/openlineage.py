"""OpenLineage RunEvents (spec 2-0-x) → Observer values (pure).

:func:`parse_run_event` validates one event — a problem raises :class:`~observer.errors.InputError`
naming the field (``run.runId: not a UUID``) — and returns what it says:

- the run (job name, status from ``eventType``, event time as start or end, parent run, the SQL of
  the job facet, rows written from ``outputStatistics``);
- every input and output dataset as an asset (columns from the ``schema`` facet, description from
  ``documentation``);
- table lineage input → output, and column lineage from the ``columnLineage`` facet;
- ownership from the dataset ``ownership`` facet, else the job's, onto outputs.

Datasets are keyed like the warehouse's own query history: the namespace's scheme picks the platform
(``postgres://host:5432`` → ``postgres``, ``snowflake://org-account`` → ``snowflake``) and the name is
normalized for that platform's dialect, so ``ANALYTICS.MARTS.ORDERS`` from Snowflake's OpenLineage and
``analytics.marts.orders`` from dbt are one asset. Non-SQL datasets (``s3://bucket``, ``file``) keep
their path.

The hash of the canonical event (:func:`event_hash`) is its identity: the same event sent twice is
stored once.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from observer.errors import InputError
from observer.model import (
    Asset,
    AssetKey,
    AssetKind,
    Column,
    LineageEdge,
    OwnerKind,
    Ownership,
    OwnershipSource,
    RunRecord,
    RunStatus,
)

ORIGIN = "openlineage"
EVENT_TYPES = {"START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"}
_STATUS = {
    "START": RunStatus.RUNNING,
    "RUNNING": RunStatus.RUNNING,
    "COMPLETE": RunStatus.SUCCESS,
    "ABORT": RunStatus.FAILED,
    "FAIL": RunStatus.FAILED,
    "OTHER": RunStatus.OTHER,
}
TERMINAL = {"COMPLETE", "ABORT", "FAIL"}
# Namespace schemes that name a SQL platform, → Observer platform.
SQL_SCHEMES = {
    "postgres": "postgres", "postgresql": "postgres", "snowflake": "snowflake", "bigquery": "bigquery",
    "redshift": "redshift", "databricks": "databricks", "duckdb": "duckdb", "mysql": "mysql",
    "trino": "trino", "awsathena": "athena", "sqlserver": "tsql", "mssql": "tsql", "oracle": "oracle",
    "hive": "hive", "spark": "spark", "sqlite": "sqlite", "clickhouse": "clickhouse",
}
_ORCHESTRATORS = ("airflow", "dagster", "dbt", "spark", "flink")


@dataclass(frozen=True)
class ParsedEvent:
    run: RunRecord
    event_type: str | None
    event_time: datetime
    job_namespace: str
    job_name: str
    producer: str
    assets: tuple[Asset, ...] = ()
    edges: tuple[LineageEdge, ...] = ()
    claims: tuple[Ownership, ...] = ()
    owner_hints: dict[AssetKey, tuple[str, ...]] = field(default_factory=dict)


def event_hash(event: Mapping[str, Any]) -> str:
    """Identity of an event: SHA-256 of its canonical JSON (key order and spacing do not matter)."""
    return hashlib.sha256(json.dumps(event, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _require(obj: Mapping[str, Any], name: str, where: str, kind: type | tuple[type, ...] = str) -> Any:
    path = f"{where}.{name}" if where else name
    if name not in obj or obj[name] is None:
        raise InputError("required", field=path)
    value = obj[name]
    if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
        expected = "a non-empty string" if kind is str else ("an object" if kind is dict else f"{kind}")
        raise InputError(f"expected {expected}", field=path)
    return value


def _time(value: str, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"not an ISO 8601 date-time: {value!r}", field=where) from None
    if moment.tzinfo is None:
        raise InputError(f"needs a time zone offset: {value!r}", field=where)
    return moment.astimezone(UTC)


def dataset_key(namespace: str, name: str) -> AssetKey:
    """The asset key of an OpenLineage dataset (see module docstring)."""
    scheme, sep, authority = namespace.partition("://")
    scheme = (scheme if sep else namespace).lower().strip()
    platform = SQL_SCHEMES.get(scheme)
    if platform is not None:
        return AssetKey.of(platform, name, platform)
    path = name if name.startswith("/") or not authority else f"/{name}"
    return AssetKey(scheme or "dataset", f"{authority}{path}" if sep else name)


def _orchestrator(producer: str, job_facets: Mapping[str, Any]) -> str:
    integration = str(((job_facets.get("jobType") or {}).get("integration")) or "").lower()
    text = f"{integration} {producer.lower()}"
    return next((o for o in _ORCHESTRATORS if o in text), "openlineage")


def _columns(facets: Mapping[str, Any]) -> tuple[Column, ...]:
    fields = (facets.get("schema") or {}).get("fields") or []
    return tuple(
        Column(str(f["name"]), f.get("type"), f.get("description"), i)
        for i, f in enumerate(fields) if isinstance(f, dict) and f.get("name")
    )


def _owners(facets: Mapping[str, Any]) -> list[str]:
    owners = (facets.get("ownership") or {}).get("owners") or []
    return [str(o["name"]) for o in owners if isinstance(o, dict) and o.get("name")]


def _claim(key: AssetKey, owners: list[str], whose: str) -> Ownership:
    first = owners[0]
    plain = first.split(":", 1)[1] if first.lower().startswith(("team:", "user:")) else first
    kind = OwnerKind.USER if first.lower().startswith("user:") or "@" in plain else OwnerKind.TEAM
    more = f" (also {', '.join(owners[1:])})" if len(owners) > 1 else ""
    return Ownership(key, plain, kind, OwnershipSource.ORCHESTRATOR, f"OpenLineage ownership facet of {whose}{more}", ORIGIN)


def _datasets(event: Mapping[str, Any], side: str) -> list[tuple[AssetKey, Mapping[str, Any], Mapping[str, Any]]]:
    items = event.get(side)
    if items is None:
        return []
    if not isinstance(items, list):
        raise InputError("expected an array", field=side)
    out: list[tuple[AssetKey, Mapping[str, Any], Mapping[str, Any]]] = []
    for i, ds in enumerate(items):
        where = f"{side}[{i}]"
        if not isinstance(ds, dict):
            raise InputError("expected an object", field=where)
        namespace = _require(ds, "namespace", where)
        name = _require(ds, "name", where)
        facets = ds.get("facets") or {}
        extra = ds.get("outputFacets" if side == "outputs" else "inputFacets") or {}
        if not isinstance(facets, dict) or not isinstance(extra, dict):
            raise InputError("facets must be objects", field=where)
        out.append((dataset_key(namespace, name), facets, extra))
    return out


def _airflow_task(name: str, run_facets: Mapping[str, Any], parent: Mapping[str, Any]) -> tuple[str, str]:
    """``(dag_id, task_id)`` of an Airflow task event: from the ``airflow`` run facet when present,
    else by cutting the job name ``<dag_id>.<task_id>`` after the parent job (the DAG) name."""
    facet = run_facets.get("airflow") or {}
    dag = str(((facet.get("dag") or {}).get("dag_id")) or ((parent.get("job") or {}).get("name")) or "")
    task = str(((facet.get("task") or {}).get("task_id")) or "")
    if dag and not task and name.startswith(dag + "."):
        task = name[len(dag) + 1 :]
    if not dag:
        dag, _, task = name.partition(".")
    return (dag, task) if task else (name, "")


def _airflow_dag_run(run_facets: Mapping[str, Any]) -> str | None:
    """Airflow's own DAG run id (``manual__…``), from the ``airflow`` or ``airflowDagRun`` run facet."""
    for name in ("airflow", "airflowDagRun"):
        run_id = ((run_facets.get(name) or {}).get("dagRun") or {}).get("run_id")
        if run_id:
            return str(run_id)
    return None


def parse_run_event(event: Any, *, source: str = "openlineage") -> ParsedEvent:
    """Validate one RunEvent and turn it into Observer values (see module docstring)."""
    if not isinstance(event, dict):
        raise InputError("expected a JSON object (one RunEvent)")
    event_time = _time(_require(event, "eventTime", ""), "eventTime")
    producer = _require(event, "producer", "")
    _require(event, "schemaURL", "")
    run = _require(event, "run", "", dict)
    run_id = _require(run, "runId", "run")
    try:
        uuid.UUID(run_id)
    except ValueError:
        raise InputError(f"not a UUID: {run_id!r}", field="run.runId") from None
    job = _require(event, "job", "", dict)
    namespace = _require(job, "namespace", "job")
    name = _require(job, "name", "job")
    event_type = event.get("eventType")
    if event_type is not None and event_type not in EVENT_TYPES:
        raise InputError(f"must be one of {', '.join(sorted(EVENT_TYPES))}, got {event_type!r}", field="eventType")
    run_facets = run.get("facets") or {}
    job_facets = job.get("facets") or {}
    if not isinstance(run_facets, dict) or not isinstance(job_facets, dict):
        raise InputError("facets must be objects", field="run.facets" if not isinstance(run_facets, dict) else "job.facets")
    inputs = _datasets(event, "inputs")
    outputs = _datasets(event, "outputs")

    assets: dict[AssetKey, Asset] = {}
    for key, facets, _extra in inputs + outputs:
        doc = (facets.get("documentation") or {}).get("description")
        is_sql = key.platform in SQL_SCHEMES.values()
        asset = Asset(key, AssetKind.TABLE if is_sql else AssetKind.DATASET, doc or None, _columns(facets),
                      source=source, external_id=None,
                      # a schema facet describes the table; the warehouse's own catalog decides its columns
                      meta={"columns_rank": 1})
        if key not in assets or len(asset.columns) > len(assets[key].columns):
            assets[key] = asset
    edges: list[LineageEdge] = []
    for out_key, facets, _extra in outputs:
        for in_key, _f, _e in inputs:
            if in_key != out_key:
                edges.append(LineageEdge(in_key, out_key, ORIGIN))
        col_fields = (facets.get("columnLineage") or {}).get("fields") or {}
        for out_col, spec in col_fields.items() if isinstance(col_fields, dict) else ():
            for src in (spec or {}).get("inputFields") or ():
                if isinstance(src, dict) and src.get("namespace") and src.get("name") and src.get("field"):
                    edges.append(LineageEdge(dataset_key(src["namespace"], src["name"]), out_key, ORIGIN,
                                             str(src["field"]), str(out_col)))
    claims: list[Ownership] = []
    hints: dict[AssetKey, tuple[str, ...]] = {}
    job_owners = _owners(job_facets)
    for key, facets, _extra in inputs + outputs:
        owners = _owners(facets)
        if owners:
            claims.append(_claim(key, owners, f"dataset {key}"))
            hints[key] = tuple(owners)
    for key, facets, _extra in outputs:
        if job_owners and not _owners(facets):
            claims.append(_claim(key, job_owners, f"job {namespace}/{name}"))
            hints[key] = tuple(job_owners)

    rows = [int(e.get("outputStatistics", {}).get("rowCount")) for _k, _f, e in outputs
            if isinstance(e.get("outputStatistics", {}).get("rowCount"), int | float)]
    parent = (run_facets.get("parent") or {})
    parent_run = (parent.get("run") or {}).get("runId")
    sql = (job_facets.get("sql") or {}).get("query")
    orchestrator = _orchestrator(producer, job_facets)
    dag_id, task_id = _airflow_task(name, run_facets, parent) if orchestrator == "airflow" else (name, "")
    status = _STATUS.get(event_type or "OTHER", RunStatus.OTHER)
    record = RunRecord(
        source=source,
        run_id=run_id,
        orchestrator=orchestrator,
        job=dag_id if task_id else name,
        status=status,
        start_time=event_time if event_type not in TERMINAL else None,
        end_time=event_time if event_type in TERMINAL else None,
        task=task_id or (None if orchestrator == "airflow" else name),
        parent_run_id=str(parent_run) if parent_run else None,
        asset=outputs[0][0] if outputs else None,
        rows_affected=sum(rows) if rows else None,
        attributes={k: v for k, v in {
            "job_namespace": namespace,
            "job_name": name,
            "producer": producer,
            "sql": sql,
            "inputs": [str(k) for k, _f, _e in inputs],
            "outputs": [str(k) for k, _f, _e in outputs],
            "last_event_type": event_type,
            "last_event_time": event_time.isoformat(),
            "parent_job": (parent.get("job") or {}).get("name"),
            "dag_run_id": _airflow_dag_run(run_facets) if orchestrator == "airflow" else None,
        }.items() if v},
    )
    return ParsedEvent(record, event_type, event_time, namespace, name, producer, tuple(assets.values()),
                       tuple(edges), tuple(claims), hints)


def merge_runs(old: RunRecord, new: RunRecord) -> RunRecord:
    """Fold a later (or earlier) event of the same run into what is stored, independent of arrival order."""
    from dataclasses import replace

    old_t = str(old.attributes.get("last_event_time") or "")
    new_t = str(new.attributes.get("last_event_time") or "")
    latest, other = (new, old) if (new_t, new.status != RunStatus.RUNNING) >= (old_t, old.status != RunStatus.RUNNING) else (old, new)
    starts = [t for t in (old.start_time, new.start_time) if t is not None]
    ends = [t for t in (old.end_time, new.end_time) if t is not None]
    attrs = {**other.attributes, **latest.attributes}
    for side in ("inputs", "outputs"):
        merged = sorted(set(old.attributes.get(side) or ()) | set(new.attributes.get(side) or ()))
        if merged:
            attrs[side] = merged
    return replace(
        latest,
        start_time=min(starts) if starts else None,
        end_time=max(ends) if ends else None,
        asset=latest.asset or other.asset,
        parent_run_id=latest.parent_run_id or other.parent_run_id,
        rows_affected=latest.rows_affected if latest.rows_affected is not None else other.rows_affected,
        attributes=attrs,
    )
