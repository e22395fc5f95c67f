"""Owners and teams as the catalog shows them: what each owns, its open incidents, its monthly spend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from observer.catalog.search_index import Hit, SearchIndex
from observer.model import Incident, Person, Team
from observer.store.incidents import ACTIVE_STATES, list_incidents, open_counts_by_team
from observer.store.listings import MonthSpend, recent_months, spend_by_month
from observer.store.ownership import list_people, list_teams


@dataclass(frozen=True)
class TeamSummary:
    team: Team
    assets: int
    open_incidents: int
    spend: MonthSpend | None
    """Spend in the latest month with cost data (``None`` when the team has none)."""


@dataclass(frozen=True)
class TeamView:
    team: Team
    members: list[Person]
    assets: list[Hit]
    incidents: list[Incident]
    open_incidents: int
    spend: list[MonthSpend]
    """Oldest month first."""


def team_summaries(conn: Connection, index: SearchIndex) -> list[TeamSummary]:
    counts = index.owned_counts()
    incidents = open_counts_by_team(conn)
    spend = spend_by_month(conn, "team")
    latest = max((s.month for s in spend), default=None)
    latest_by_team = {s.key: s for s in spend if s.month == latest}
    return [
        TeamSummary(t, counts.get(t.name, 0), incidents.get(t.name, 0), latest_by_team.get(t.name))
        for t in list_teams(conn)
    ]


def load_team(conn: Connection, index: SearchIndex, name: str, now: datetime) -> TeamView | None:
    team = next((t for t in list_teams(conn) if t.name == name), None)
    if team is None:
        return None
    members = [p for p in list_people(conn) if p.team == name]
    open_list, open_total = list_incidents(conn, states=ACTIVE_STATES, team=name, limit=50)
    return TeamView(
        team=team,
        members=members,
        assets=index.owned_by(name),
        incidents=open_list,
        open_incidents=open_total,
        spend=spend_by_month(conn, "team", value=name, months=recent_months(now)),
    )
