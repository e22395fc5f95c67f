"""Owners and teams: each team's assets, open incidents and monthly spend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection

from dashboards.paging import Pager
from dashboards.templating import render
from observer.api.auth import Principal, require_role
from observer.api.deps import get_now, get_search, read_conn
from observer.api.errors import NotFound
from observer.catalog.search_index import Hit, SearchIndex
from observer.catalog.teams import TeamSummary, TeamView, load_team, team_summaries

router = APIRouter()


@dataclass(frozen=True)
class TeamsPage:
    teams: list[TeamSummary]


OWNED_PAGE = 50


@dataclass(frozen=True)
class TeamPage:
    view: TeamView
    pager: Pager

    @property
    def owned(self) -> list[Hit]:
        return self.view.assets[self.pager.offset : self.pager.offset + self.pager.limit]

    @property
    def spend_chart(self) -> dict[str, Any]:
        """Data for static/charts.js: one bar per month."""
        return {
            "type": "bars",
            "label": "Spend (USD)",
            "x": [s.month for s in self.view.spend],
            "y": [round(s.cost_usd, 2) for s in self.view.spend],
        }


@router.get("/teams", response_class=HTMLResponse)
def teams(
    request: Request,
    principal: Principal = Depends(require_role("viewer")),
    index: SearchIndex = Depends(get_search),
    conn: Connection = Depends(read_conn),
) -> HTMLResponse:
    return render(request, "teams.html", TeamsPage(team_summaries(conn, index)), title="Teams", principal=principal)


@router.get("/teams/{name}", response_class=HTMLResponse)
def team(
    request: Request,
    name: str,
    offset: int = Query(0, ge=0),
    principal: Principal = Depends(require_role("viewer")),
    index: SearchIndex = Depends(get_search),
    conn: Connection = Depends(read_conn),
    now: datetime = Depends(get_now),
) -> HTMLResponse:
    view = load_team(conn, index, name, now)
    if view is None:
        raise NotFound(f"There is no team {name!r}.")
    page = TeamPage(view, Pager(len(view.assets), offset, OWNED_PAGE))
    return render(request, "team.html", page, title=f"Team {name}", principal=principal)
