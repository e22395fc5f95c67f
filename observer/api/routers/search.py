"""``/api/v1/search``: one query across assets, teams and people — what the search box asks as you type."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from observer.api.auth import require_role
from observer.api.deps import get_search
from observer.api.schemas import AssetSummary, summary_json
from observer.catalog.search_index import SearchIndex

router = APIRouter(tags=["search"], dependencies=[Depends(require_role("viewer"))])


class TeamHit(BaseModel):
    name: str
    description: str | None
    slack_channel: str | None
    url: str


class PersonHit(BaseModel):
    username: str
    display_name: str | None
    team: str | None


class SearchOut(BaseModel):
    query: str
    assets: list[AssetSummary]
    total_assets: int = Field(description="every matching asset, of which the first `limit` are listed")
    teams: list[TeamHit]
    people: list[PersonHit]


@router.get("/search", response_model=SearchOut, summary="Search assets, teams and people")
async def search(
    q: str = Query(..., min_length=1, max_length=500, description="any part of a name, column, owner, tag or description"),
    limit: int = Query(10, ge=1, le=100, description="assets to list"),
    index: SearchIndex = Depends(get_search),
) -> Response:
    """Assets as in ``GET /api/v1/assets?q=``, plus teams and people whose names match every word.

    Answered from the in-memory index alone (async, no store round-trip)."""
    found = index.search(q, limit=limit)
    teams = [
        TeamHit(name=t.name, description=t.description, slack_channel=t.slack_channel, url=f"/teams/{quote(t.name, safe='')}")
        for t in index.find_teams(q)
    ]
    people = [PersonHit(username=p.username, display_name=p.display_name, team=p.team) for p in index.find_people(q)]
    rest = SearchOut(query=q, assets=[], total_assets=found.total, teams=teams[:limit], people=people[:limit])
    body = rest.model_dump_json().encode()
    assets = b'"assets":[' + b",".join(summary_json(h) for h in found.hits) + b"]"
    return Response(body.replace(b'"assets":[]', assets, 1), media_type="application/json")
