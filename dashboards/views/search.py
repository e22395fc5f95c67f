"""The home page: search the catalog by any part of a name, description, column or owner.

Without JavaScript the form submits ``GET /?q=…`` and the results render here; with it,
``static/search.js`` asks ``/api/v1/assets`` as you type and redraws the same list.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from dashboards.paging import Pager
from dashboards.templating import render
from observer.api.auth import Principal, require_role
from observer.api.deps import get_search
from observer.catalog.search_index import Hit, SearchIndex

router = APIRouter()

PAGE_SIZE = 25


@dataclass(frozen=True)
class SearchPage:
    query: str
    results: list[Hit]
    total: int
    pager: Pager


@router.get("/", response_class=HTMLResponse)
def search(
    request: Request,
    q: str = Query("", max_length=500),
    offset: int = Query(0, ge=0),
    principal: Principal = Depends(require_role("viewer")),
    index: SearchIndex = Depends(get_search),
) -> HTMLResponse:
    found = index.search(q, limit=PAGE_SIZE, offset=offset)
    page = SearchPage(q, found.hits, found.total, Pager(found.total, offset, PAGE_SIZE, {"q": q}))
    title = f"{q} · Search" if q else "Observer catalog"
    return render(request, "search.html", page, title=title, principal=principal)
