"""The runs page: every orchestrator run, newest first, filterable by status and orchestrator."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection

from dashboards.paging import Pager
from dashboards.templating import render
from observer.api.auth import Principal, require_role
from observer.api.deps import read_conn
from observer.model import RunRecord
from observer.store.listings import list_runs, run_facets

router = APIRouter()

PAGE_SIZE = 50


@dataclass(frozen=True)
class RunsPage:
    runs: list[RunRecord]
    status: str
    orchestrator: str
    facets: dict[str, list[str]]
    pager: Pager


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
    )
    return render(request, "runs.html", page, title="Runs", principal=principal)
