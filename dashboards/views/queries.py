"""Query fingerprints: every query shape seen, what it reads and writes, what it cost — and the SQL
that could not be parsed, with the reason, so attribution gaps are visible rather than silent."""

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
from observer.store.listings import (
    FingerprintRow,
    QueryRow,
    fingerprint_counts,
    get_fingerprint,
    list_fingerprints,
    queries_of_fingerprint,
)

router = APIRouter()

PAGE_SIZE = 50
SHOWS = {"all": None, "failed": True, "parsed": False}


@dataclass(frozen=True)
class QueriesPage:
    fingerprints: list[FingerprintRow]
    show: str
    text: str
    total_stored: int
    failed_stored: int
    pager: Pager


@dataclass(frozen=True)
class FingerprintPage:
    fingerprint: FingerprintRow
    queries: list[QueryRow]


@router.get("/queries", response_class=HTMLResponse)
def queries(
    request: Request,
    show: str = Query("all", pattern="^(all|failed|parsed)$"),
    q: str = Query("", max_length=500),
    offset: int = Query(0, ge=0),
    principal: Principal = Depends(require_role("viewer")),
    conn: Connection = Depends(read_conn),
) -> HTMLResponse:
    found, total = list_fingerprints(conn, failed=SHOWS[show], text=q or None, limit=PAGE_SIZE, offset=offset)
    stored, failed = fingerprint_counts(conn)
    page = QueriesPage(found, show, q, stored, failed, Pager(total, offset, PAGE_SIZE, {"show": show, "q": q}))
    return render(request, "queries.html", page, title="Query fingerprints", principal=principal)


@router.get("/queries/{fingerprint}", response_class=HTMLResponse)
def fingerprint(
    request: Request,
    fingerprint: str,
    principal: Principal = Depends(require_role("viewer")),
    conn: Connection = Depends(read_conn),
) -> HTMLResponse:
    found = get_fingerprint(conn, fingerprint)
    if found is None:
        raise NotFound(f"There is no query fingerprint {fingerprint}.")
    page = FingerprintPage(found, queries_of_fingerprint(conn, fingerprint))
    return render(request, "fingerprint.html", page, title=f"Query {fingerprint[:12]}", principal=principal)
