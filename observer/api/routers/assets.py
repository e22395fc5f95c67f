"""``/api/v1/assets``: search the catalog and read one asset with its owner and provenance."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import Connection

from observer.api.auth import require_role
from observer.api.deps import get_search, read_conn
from observer.api.errors import NotFound
from observer.api.keys import key_from_path
from observer.api.paging import Page, PageParams, page_params
from observer.api.schemas import AssetDetail, AssetSummary, page_json, summary_json
from observer.catalog.assets import load_asset
from observer.catalog.search_index import SearchIndex

router = APIRouter(prefix="/assets", tags=["assets"], dependencies=[Depends(require_role("viewer"))])
search_router = APIRouter(prefix="/assets", tags=["assets"], dependencies=[Depends(require_role("viewer"))])
"""``GET /assets`` alone: the app factory includes it first, since it is the most frequent call."""


@search_router.get("", response_model=Page[AssetSummary], summary="Search assets")
async def list_assets(
    q: str = Query("", description="words from a name (any spelling), description, column or owner"),
    platform: str | None = Query(None, description="only this platform, e.g. snowflake"),
    kind: str | None = Query(None, description="only this kind: table, view, model …"),
    page: PageParams = Depends(page_params),
    index: SearchIndex = Depends(get_search),
) -> Response:
    """Assets where every word of ``q`` starts a word of the name, a tag, an owner, a column or the
    description; exact name matches first, then name, tag, owner, column and description matches.
    ``ANALYTICS.MARTS."FCT_ORDERS"``, ``marts.fct_ord`` and ``snowflake://analytics.marts.fct_orders``
    all find ``analytics.marts.fct_orders``.

    Async on purpose: it reads only the in-memory index (about a millisecond), so it runs on the
    event loop instead of paying a worker-thread hop; items are serialized once per asset and reused."""
    found = index.search(q, platform=platform, kind=kind, limit=page.limit, offset=page.offset)
    body = page_json([summary_json(h) for h in found.hits], found.total, page.limit, page.offset)
    return Response(body, media_type="application/json")


@router.get("/{key:path}", response_model=AssetDetail, summary="One asset")
def read_asset(key: str, conn: Connection = Depends(read_conn)) -> AssetDetail:
    """One asset by key: ``snowflake://analytics.marts.orders`` or ``snowflake/analytics.marts.orders``.

    Includes columns, the resolved owner with the claim that decided it, and every other claim.
    """
    asset_key = key_from_path(key)
    view = load_asset(conn, asset_key)
    if view is None:
        raise NotFound(f"no asset {asset_key}")
    return AssetDetail.of(view)
