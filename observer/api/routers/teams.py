"""``/api/v1/teams``: who the teams are, what each owns, its open incidents and its spend by month."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from observer.api.auth import require_role
from observer.api.deps import get_now, get_search, read_conn
from observer.api.errors import NotFound
from observer.api.keys import asset_path
from observer.api.schemas import AssetSummary
from observer.catalog.search_index import SearchIndex
from observer.catalog.teams import load_team, team_summaries
from observer.model import Team

router = APIRouter(tags=["teams"], dependencies=[Depends(require_role("viewer"))])


class MonthSpendOut(BaseModel):
    month: str = Field(examples=["2026-11"])
    cost_usd: float
    credits: float


class TeamOut(BaseModel):
    name: str
    description: str | None
    slack_channel: str | None
    monthly_budget_usd: float | None
    members: list[str]
    assets_owned: int
    open_incidents: int
    latest_spend: MonthSpendOut | None = Field(description="spend in the latest month with cost data")
    url: str


class PersonOut(BaseModel):
    username: str
    display_name: str | None
    email: str | None
    slack_user_id: str | None


class IncidentBrief(BaseModel):
    id: int | None
    title: str
    state: str
    severity: str
    kind: str
    asset: str | None
    asset_url: str | None
    opened_at: datetime


class TeamDetail(BaseModel):
    name: str
    description: str | None
    slack_channel: str | None
    monthly_budget_usd: float | None
    members: list[PersonOut]
    assets: list[AssetSummary]
    open_incidents: list[IncidentBrief]
    open_incident_count: int
    spend_by_month: list[MonthSpendOut]


def team_url(team: Team | str) -> str:
    return "/teams/" + quote(team.name if isinstance(team, Team) else team, safe="")


@router.get("/teams", response_model=list[TeamOut], summary="Teams")
def teams(index: SearchIndex = Depends(get_search), conn: Connection = Depends(read_conn)) -> list[TeamOut]:
    """Every configured team with what it owns, its open incidents and its latest month's spend."""
    return [
        TeamOut(
            name=s.team.name,
            description=s.team.description,
            slack_channel=s.team.slack_channel,
            monthly_budget_usd=s.team.monthly_budget_usd,
            members=list(s.team.members),
            assets_owned=s.assets,
            open_incidents=s.open_incidents,
            latest_spend=MonthSpendOut(month=s.spend.month, cost_usd=s.spend.cost_usd, credits=s.spend.credits)
            if s.spend
            else None,
            url=team_url(s.team),
        )
        for s in team_summaries(conn, index)
    ]


@router.get("/teams/{name}", response_model=TeamDetail, summary="One team")
def team(
    name: str,
    index: SearchIndex = Depends(get_search),
    conn: Connection = Depends(read_conn),
    now: datetime = Depends(get_now),
) -> TeamDetail:
    """One team: members, every asset it owns, open incidents, spend over the last 12 months."""
    view = load_team(conn, index, name, now)
    if view is None:
        raise NotFound(f"no team {name!r}")
    t = view.team
    return TeamDetail(
        name=t.name,
        description=t.description,
        slack_channel=t.slack_channel,
        monthly_budget_usd=t.monthly_budget_usd,
        members=[PersonOut(username=p.username, display_name=p.display_name, email=p.email, slack_user_id=p.slack_user_id) for p in view.members],
        assets=[AssetSummary.from_hit(h) for h in view.assets],
        open_incidents=[
            IncidentBrief(
                id=i.id, title=i.title, state=i.state.value, severity=i.severity.value, kind=i.kind,
                asset=str(i.asset) if i.asset else None, asset_url=asset_path(i.asset) if i.asset else None,
                opened_at=i.opened_at,
            )
            for i in view.incidents
        ],
        open_incident_count=view.open_incidents,
        spend_by_month=[MonthSpendOut(month=s.month, cost_usd=s.cost_usd, credits=s.credits) for s in view.spend],
    )
