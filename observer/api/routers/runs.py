"""``/api/v1/runs``: orchestrator runs (dbt nodes, Airflow tasks, Dagster steps, OpenLineage jobs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import Connection

from observer.api.auth import require_role
from observer.api.deps import read_conn
from observer.api.keys import asset_path, key_from_path
from observer.api.paging import Page, PageParams, page_params
from observer.model import RunRecord
from observer.store.listings import list_runs

router = APIRouter(tags=["runs"], dependencies=[Depends(require_role("viewer"))])


class RunOut(BaseModel):
    source: str
    run_id: str
    orchestrator: str
    job: str
    task: str | None
    parent_run_id: str | None
    status: str
    start_time: datetime | None
    end_time: datetime | None
    duration_s: float | None
    asset: str | None
    asset_url: str | None
    owner: str | None
    rows_affected: int | None
    query_ids: list[str]
    attributes: dict[str, Any]

    @classmethod
    def of(cls, r: RunRecord) -> RunOut:
        took = (r.end_time - r.start_time).total_seconds() if r.start_time and r.end_time else None
        return cls(
            source=r.source,
            run_id=r.run_id,
            orchestrator=r.orchestrator,
            job=r.job,
            task=r.task,
            parent_run_id=r.parent_run_id,
            status=r.status.value,
            start_time=r.start_time,
            end_time=r.end_time,
            duration_s=took,
            asset=str(r.asset) if r.asset else None,
            asset_url=asset_path(r.asset) if r.asset else None,
            owner=r.owner,
            rows_affected=r.rows_affected,
            query_ids=list(r.query_ids),
            attributes=r.attributes,
        )


@router.get("/runs", response_model=Page[RunOut], summary="Orchestrator runs")
def runs(
    status: str | None = Query(None, description="success, failed, running, skipped or other"),
    orchestrator: str | None = Query(None, description="dbt, airflow, dagster, openlineage …"),
    job: str | None = Query(None, description="DAG id, dbt project or Dagster job"),
    asset: str | None = Query(None, description="only runs that wrote this asset (platform://name)"),
    page: PageParams = Depends(page_params),
    conn: Connection = Depends(read_conn),
) -> Page[RunOut]:
    """Runs, newest first."""
    found, total = list_runs(
        conn,
        status=status,
        orchestrator=orchestrator,
        job=job,
        asset=key_from_path(asset) if asset else None,
        limit=page.limit,
        offset=page.offset,
    )
    return Page[RunOut](items=[RunOut.of(r) for r in found], total=total, limit=page.limit, offset=page.offset)
