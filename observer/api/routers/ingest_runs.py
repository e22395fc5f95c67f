"""``/api/v1/ingest-runs``: the ingest log — every collector run with its counts and its bad rows."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from observer.api.auth import require_role
from observer.api.deps import read_conn
from observer.api.errors import NotFound
from observer.store.ingest_log import IngestRun, recent_runs, run_errors
from observer.store.listings import get_ingest_run

router = APIRouter(tags=["ingest log"], dependencies=[Depends(require_role("viewer"))])


class IngestRunOut(BaseModel):
    id: int
    source: str
    collector: str
    status: str = Field(description="running, ok, partial (some rows were bad) or failed")
    started_at: datetime
    finished_at: datetime | None
    rows_read: int
    rows_written: int
    rows_bad: int
    message: str | None

    @classmethod
    def of(cls, r: IngestRun) -> IngestRunOut:
        return cls(**r.__dict__)


class BadRow(BaseModel):
    location: str | None = Field(description="file:line of the bad row")
    field: str | None
    message: str


class IngestRunDetail(IngestRunOut):
    errors: list[BadRow] = Field(description="the first bad rows (up to 500)")


@router.get("/ingest-runs", response_model=list[IngestRunOut], summary="Collector runs")
def ingest_runs(
    limit: int = Query(50, ge=1, le=500), conn: Connection = Depends(read_conn)
) -> list[IngestRunOut]:
    """The latest collector runs, newest first."""
    return [IngestRunOut.of(r) for r in recent_runs(conn, limit=limit)]


@router.get("/ingest-runs/{run_id}", response_model=IngestRunDetail, summary="One collector run and its bad rows")
def ingest_run(run_id: int, conn: Connection = Depends(read_conn)) -> IngestRunDetail:
    found = get_ingest_run(conn, run_id)
    if found is None:
        raise NotFound(f"no ingest run {run_id}")
    errors = [BadRow(location=loc, field=f, message=m) for loc, f, m in run_errors(conn, run_id)]
    return IngestRunDetail(**IngestRunOut.of(found).model_dump(), errors=errors)
