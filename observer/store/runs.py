"""Orchestrator runs in the store: rows <-> :class:`~observer.model.RunRecord`, and query ↔ run joins.

A run is one dbt node execution, Airflow DAG run or task instance, Dagster run or step, or
OpenLineage run, identified by ``(source, run_id)``. Writes are idempotent: re-ingesting the same
runs changes no row.

For the warehouse side (attributing a query to the task that issued it) use, in bulk::

    index = load_run_index(conn, first_query_start, last_query_end)
    match = index.find(QueryContext(start_time=q.start_time, user_name=q.user_name,
                                    dbt_node_id=tags.get("node_id"), target=written_table))
    if match: q.run_id = match.run.run_id; q.rule = match.rule; q.reason = match.reason

or one at a time with :func:`find_run_for_query` (same rules, one store read). The rules are
documented in :mod:`observer.attribution.run_match`. Other lookups:

- :func:`last_run_for_asset` — the latest run that wrote an asset ("who wrote this last").
- :func:`runs_for_asset`, :func:`runs_of_job`, :func:`get_run` — for pages and the API.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from observer.attribution.run_match import MAX_TASK, SLACK, QueryContext, RunIndex, RunMatch
from observer.model import AssetKey, RunRecord, RunStatus
from observer.store.bulk import write_rows
from observer.store.tables import runs


def _row(run: RunRecord) -> dict[str, Any]:
    return {
        "source": run.source,
        "run_id": run.run_id,
        "orchestrator": run.orchestrator,
        "job": run.job,
        "task": run.task,
        "parent_run_id": run.parent_run_id,
        "status": run.status.value,
        "start_time": run.start_time,
        "end_time": run.end_time,
        "asset_key": str(run.asset) if run.asset else None,
        "owner": run.owner,
        "rows_affected": run.rows_affected,
        "query_ids": list(run.query_ids),
        "attributes": dict(run.attributes),
    }


def to_run(row: Any) -> RunRecord:
    m = row._mapping
    return RunRecord(
        source=m["source"],
        run_id=m["run_id"],
        orchestrator=m["orchestrator"],
        job=m["job"],
        status=RunStatus(m["status"]),
        start_time=m["start_time"],
        end_time=m["end_time"],
        task=m["task"],
        parent_run_id=m["parent_run_id"],
        asset=AssetKey.from_stored(m["asset_key"]) if m["asset_key"] else None,
        owner=m["owner"],
        rows_affected=m["rows_affected"],
        query_ids=tuple(m["query_ids"] or ()),
        attributes=dict(m["attributes"] or {}),
    )


def upsert_runs(conn: Connection, items: Iterable[RunRecord]) -> int:
    """Insert or update runs by ``(source, run_id)``; returns how many rows were inserted or changed.

    A run seen again with identical values is not rewritten (the comparison happens in the database,
    see :func:`observer.store.bulk.write_rows`), so re-ingestion is a no-op; a run seen first as
    ``running`` and later finished is updated in place. Bulk path: 100,000 task instances in seconds.
    """
    rows = {(r.source, r.run_id): _row(r) for r in items}
    if not rows:
        return 0
    columns = list(next(iter(rows.values())))
    values = [tuple(row[c] for c in columns) for row in rows.values()]
    return write_rows(conn, runs, columns, values, conflict=("source", "run_id"))


def get_run(conn: Connection, source: str, run_id: str) -> RunRecord | None:
    row = conn.execute(select(runs).where(runs.c.source == source, runs.c.run_id == run_id)).first()
    return to_run(row) if row else None


def runs_for_asset(conn: Connection, key: AssetKey, limit: int = 20) -> list[RunRecord]:
    """Runs that wrote ``key``, newest first."""
    rows = conn.execute(
        select(runs).where(runs.c.asset_key == str(key)).order_by(runs.c.start_time.desc(), runs.c.run_id).limit(limit)
    )
    return [to_run(r) for r in rows]


def last_run_for_asset(conn: Connection, key: AssetKey, *, successful: bool = False) -> RunRecord | None:
    """The most recent run that wrote ``key`` (optionally only a successful one)."""
    stmt = select(runs).where(runs.c.asset_key == str(key))
    if successful:
        stmt = stmt.where(runs.c.status == RunStatus.SUCCESS.value)
    row = conn.execute(stmt.order_by(runs.c.start_time.desc(), runs.c.run_id).limit(1)).first()
    return to_run(row) if row else None


def runs_of_job(conn: Connection, job: str, *, source: str | None = None, limit: int = 50) -> list[RunRecord]:
    stmt = select(runs).where(runs.c.job == job)
    if source:
        stmt = stmt.where(runs.c.source == source)
    return [to_run(r) for r in conn.execute(stmt.order_by(runs.c.start_time.desc()).limit(limit))]


def recent_runs(conn: Connection, *, limit: int = 50, offset: int = 0, source: str | None = None) -> list[RunRecord]:
    stmt = select(runs)
    if source:
        stmt = stmt.where(runs.c.source == source)
    stmt = stmt.order_by(runs.c.start_time.desc(), runs.c.run_id).limit(limit).offset(offset)
    return [to_run(r) for r in conn.execute(stmt)]


def load_run_index(conn: Connection, start: datetime, end: datetime, *, sources: Iterable[str] | None = None) -> RunIndex:
    """Every task-level run that overlaps ``[start, end]`` (with clock slack), ready for matching."""
    stmt = select(runs).where(
        runs.c.task.is_not(None),
        runs.c.start_time <= end + SLACK,
        runs.c.start_time >= start - MAX_TASK,
        or_(runs.c.end_time.is_(None), runs.c.end_time >= start - SLACK),
    )
    if sources is not None:
        stmt = stmt.where(runs.c.source.in_(list(sources)))
    return RunIndex(to_run(r) for r in conn.execute(stmt))


def find_run_for_query(
    conn: Connection,
    user_name: str | None,
    start_time: datetime,
    end_time: datetime | None = None,
    *,
    dbt_node_id: str | None = None,
    dbt_invocation_id: str | None = None,
    airflow_dag_id: str | None = None,
    airflow_task_id: str | None = None,
    airflow_run_id: str | None = None,
    dagster_run_id: str | None = None,
    dagster_step: str | None = None,
    target: AssetKey | None = None,
) -> RunMatch | None:
    """The orchestrator task run that issued one query, or ``None``.

    For many queries load a :class:`RunIndex` once with :func:`load_run_index` instead.
    """
    q = QueryContext(
        start_time=start_time,
        end_time=end_time,
        user_name=user_name,
        dbt_node_id=dbt_node_id,
        dbt_invocation_id=dbt_invocation_id,
        airflow_dag_id=airflow_dag_id,
        airflow_task_id=airflow_task_id,
        airflow_run_id=airflow_run_id,
        dagster_run_id=dagster_run_id,
        dagster_step=dagster_step,
        target=target,
    )
    index = load_run_index(conn, start_time, end_time or start_time)
    found = index.find(q)
    if found is not None or not (dbt_node_id or airflow_task_id):
        return found
    # Explicitly named but not running then (e.g. clock skew beyond the slack): the latest run of it.
    task = dbt_node_id or airflow_task_id
    stmt = select(runs).where(
        runs.c.task == task, runs.c.start_time <= start_time + timedelta(hours=1)
    ).order_by(runs.c.start_time.desc()).limit(50)
    if airflow_dag_id:
        stmt = stmt.where(runs.c.job == airflow_dag_id)
    return RunIndex(to_run(r) for r in conn.execute(stmt)).find(q)


def delete_runs_not_in(conn: Connection, source: str, parent_run_id: str, keep: Iterable[str]) -> int:
    """Drop runs of one parent (e.g. a dbt invocation) that a re-read of it no longer lists."""
    ids = list(keep)
    stmt = runs.delete().where(and_(runs.c.source == source, runs.c.parent_run_id == parent_run_id))
    if ids:
        stmt = stmt.where(runs.c.run_id.not_in(ids))
    return int(conn.execute(stmt).rowcount or 0)


def task_outputs(conn: Connection, orchestrator: str, jobs: Iterable[str] | None = None) -> list[RunRecord]:
    """Task runs of ``orchestrator`` that name the asset they wrote (from OpenLineage, dbt, Dagster …)."""
    stmt = select(runs).where(runs.c.orchestrator == orchestrator, runs.c.asset_key.is_not(None), runs.c.task.is_not(None))
    if jobs is not None:
        names = sorted(set(jobs))
        out: list[RunRecord] = []
        for start in range(0, len(names), 500):
            out.extend(to_run(r) for r in conn.execute(stmt.where(runs.c.job.in_(names[start : start + 500]))))
        return out
    return [to_run(r) for r in conn.execute(stmt)]


def writes_by_task(conn: Connection, source: str) -> list[tuple[str, str, AssetKey]]:
    """``(job, task, asset)`` for every table a task run of ``source`` wrote, by query attribution.

    A warehouse query joined to a task run (``queries.run_id``, see :func:`find_run_for_query`) whose
    parsed write target is an asset (rule ``write_target``) says that task writes that asset.
    """
    from observer.store.tables import queries

    stmt = (
        select(runs.c.job, runs.c.task, queries.c.asset_key)
        .distinct()
        .select_from(queries.join(runs, queries.c.run_id == runs.c.run_id))
        .where(
            runs.c.source == source,
            runs.c.task.is_not(None),
            queries.c.asset_key.is_not(None),
            queries.c.attribution_rule == "write_target",
        )
    )
    return [(j, t, AssetKey.from_stored(k)) for j, t, k in conn.execute(stmt)]
