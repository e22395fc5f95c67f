"""The runs page: the latest collector runs (the ingest log, with their bad rows) and every
orchestrator run, newest first, filterable by status and orchestrator."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection

from dashboards.paging import Pager
from dashboards.templating import render
from observer.api.auth import Principal, require_role
from observer.api.deps import read_conn
from observer.api.errors import NotFound
from observer.model import RunRecord
from observer.store.ingest_log import IngestRun, recent_runs, run_errors
from observer.store.listings import get_ingest_run, list_runs, run_facets

router = APIRouter()

PAGE_SIZE = 50


@dataclass(frozen=True)
class RunsPage:
    runs: list[RunRecord]
    status: str
    orchestrator: str
    facets: dict[str, list[str]]
    pager: Pager
    ingests: list[IngestRun]
    """The latest collector runs (the ingest log), shown above the orchestrator runs."""


@dataclass(frozen=True)
class IngestRunPage:
    run: IngestRun
    errors: list[tuple[str | None, str | None, str]]


@router.get("/runs", response_class=HTMLResponse)
def runs(
    request: Request,
    status: str = Query("", max_length=32),
    orchestrator: str = Query("", max_length=64),
    offset: int = Query(0, ge=0),
    principal: Principal = Depends(require_role("viewer")),
    conn: Connection = Depends(read_conn),
) -> HTMLResponse:
    found, total = list_runs(
        conn, status=status or None, orchestrator=orchestrator or None, limit=PAGE_SIZE, offset=offset
    )
    page = RunsPage(
        found,
        status,
        orchestrator,
        run_facets(conn),
        Pager(total, offset, PAGE_SIZE, {"status": status, "orchestrator": orchestrator}),
        recent_runs(conn, limit=10) if offset == 0 else [],
    )
    return render(request, "runs.html", page, title="Runs", principal=principal)


@router.get("/runs/ingest/{run_id}", response_class=HTMLResponse)
def ingest_run(
    request: Request,
    run_id: int,
    principal: Principal = Depends(require_role("viewer")),
    conn: Connection = Depends(read_conn),
) -> HTMLResponse:
    found = get_ingest_run(conn, run_id)
    if found is None:
        raise NotFound(f"There is no collector run {run_id}.")
    page = IngestRunPage(found, run_errors(conn, run_id))
    return render(request, "ingest_run.html", page, title=f"Collector run {run_id}", principal=principal)
