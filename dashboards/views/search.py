"""The home page: search the catalog by any part of a name, description, column or owner, next to
the incidents that need attention and the assets whose spend moved most this month.

Without JavaScript the form submits ``GET /?q=…`` and the results render here; with it,
``static/search.js`` asks ``/api/v1/assets`` as you type and redraws the same list.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection

from dashboards.paging import Pager
from dashboards.templating import render
from observer.api.auth import Principal, require_role
from observer.api.deps import get_search, read_conn
from observer.catalog.cost_views import CostViews
from observer.catalog.search_index import Hit, SearchIndex
from observer.cost_diff import Mover
from observer.model import Incident
from observer.store.incidents import ACTIVE_STATES, list_incidents

router = APIRouter()

PAGE_SIZE = 25


@dataclass(frozen=True)
class Overview:
    """What the landing page shows next to search: incidents needing attention and cost movers."""

    incidents: list[Incident]
    open_incidents: int
    month: str | None
    previous: str | None
    movers: list[Mover]


@dataclass(frozen=True)
class SearchPage:
    query: str
    results: list[Hit]
    total: int
    pager: Pager
    overview: Overview | None


def overview(conn: Connection, views: CostViews) -> Overview:
    incidents, total = list_incidents(conn, states=ACTIVE_STATES, limit=5)
    moved = views.asset_movers(conn)
    return Overview(incidents, total, moved.month, moved.previous, moved.movers)


@router.get("/", response_class=HTMLResponse)
def search(
    request: Request,
    q: str = Query("", max_length=500),
    offset: int = Query(0, ge=0),
    principal: Principal = Depends(require_role("viewer")),
    index: SearchIndex = Depends(get_search),
    conn: Connection = Depends(read_conn),
) -> HTMLResponse:
    found = index.search(q, limit=PAGE_SIZE, offset=offset)
    landing = overview(conn, request.app.state.cost_views) if not q.strip() and offset == 0 else None
    page = SearchPage(q, found.hits, found.total, Pager(found.total, offset, PAGE_SIZE, {"q": q}), landing)
    title = f"{q} · Search" if q else "Observer catalog"
    return render(request, "search.html", page, title=title, principal=principal)
