"""``/api/v1/search``: one query across assets, teams and people — what the search box asks as you type."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from observer.api.auth import require_role
from observer.api.deps import get_search, read_conn
from observer.api.schemas import AssetSummary
from observer.catalog.search_index import SearchIndex, normalize_query, words
from observer.store.ownership import list_people, list_teams

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


def _matches(terms: list[str], *texts: str | None) -> bool:
    have = [w for t in texts if t for w in words(t)]
    return all(any(w.startswith(term) for w in have) for term in terms)


@router.get("/search", response_model=SearchOut, summary="Search assets, teams and people")
def search(
    q: str = Query(..., min_length=1, max_length=500, description="any part of a name, column, owner, tag or description"),
    limit: int = Query(10, ge=1, le=100, description="assets to list"),
    index: SearchIndex = Depends(get_search),
    conn: Connection = Depends(read_conn),
) -> SearchOut:
    """Assets as in ``GET /api/v1/assets?q=``, plus teams and people whose names match every word."""
    found = index.search(q, limit=limit)
    terms = words(normalize_query(q))
    teams = [
        TeamHit(name=t.name, description=t.description, slack_channel=t.slack_channel, url=f"/teams/{quote(t.name, safe='')}")
        for t in list_teams(conn)
        if terms and _matches(terms, t.name, t.description, t.slack_channel)
    ]
    people = [
        PersonHit(username=p.username, display_name=p.display_name, team=p.team)
        for p in list_people(conn)
        if terms and _matches(terms, p.username, p.display_name, p.email)
    ]
    return SearchOut(
        query=q,
        assets=[AssetSummary.from_hit(h) for h in found.hits],
        total_assets=found.total,
        teams=teams[:limit],
        people=people[:limit],
    )
