"""What an alert needs to say beyond the check result: owner, downstream impact, the run behind it.

Read from the catalog the other stages fill: ownership claims (resolved with provenance), lineage
edges (downstream assets and their owners), orchestrator runs (the last run that wrote the asset),
teams (their Slack channels) and people (e-mail and Slack user id, for mentions).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, or_, select, update

from observer.attribution.owners import ResolvedOwner, resolve_owner, team_of
from observer.model import AssetKey
from observer.store.ownership import claims_for, claims_for_many, people_teams
from observer.store.tables import lineage_edges, people, runs, teams

MAX_DEPTH = 3
MAX_DOWNSTREAM = 200
NOT_IN_SLACK = "-"
"""Stored as a person's Slack user id when ``users.lookupByEmail`` found nobody (not asked again)."""


@dataclass(frozen=True)
class PersonRef:
    username: str
    display_name: str | None
    email: str | None
    slack_user_id: str | None


@dataclass(frozen=True)
class DownstreamAsset:
    asset: AssetKey
    owner: str | None
    team: str | None
    depth: int


@dataclass(frozen=True)
class AlertContext:
    owner: str | None = None
    team: str | None = None
    owner_source: str | None = None
    """How we know the owner (``orchestrator``, ``rule`` …) and the claim's detail."""
    owner_person: PersonRef | None = None
    downstream: tuple[DownstreamAsset, ...] = ()
    downstream_total: int = 0
    last_run: dict[str, Any] | None = None
    people: dict[str, PersonRef] = field(default_factory=dict)
    """Everyone named in the context (owners of downstream assets too), by owner string."""


def team_channels(conn: Connection) -> dict[str, str | None]:
    return {r.name: r.slack_channel for r in conn.execute(select(teams.c.name, teams.c.slack_channel))}


def owner_of(conn: Connection, asset: AssetKey) -> tuple[ResolvedOwner | None, str | None]:
    """The winning ownership claim of ``asset`` and the team it stands for."""
    resolved = resolve_owner(claims_for(conn, asset))
    if resolved is None:
        return None, None
    team = resolved.team or team_of(resolved.owner, team_channels(conn), people_teams(conn))
    return resolved, team


def person_for(conn: Connection, owner: str) -> PersonRef | None:
    """The person an owner string names (warehouse user name or e-mail, any case)."""
    lowered = owner.lower()
    row = conn.execute(
        select(people)
        .where(or_(func.lower(people.c.username) == lowered, func.lower(people.c.email) == lowered))
        .limit(1)
    ).first()
    if row is None:
        return None
    slack_id = row.slack_user_id if row.slack_user_id not in (None, "", NOT_IN_SLACK) else None
    return PersonRef(row.username, row.display_name, row.email, slack_id)


def downstream_of(conn: Connection, asset: AssetKey, depth: int = MAX_DEPTH) -> list[tuple[AssetKey, int]]:
    """Assets fed by ``asset``, breadth first, up to ``depth`` hops and :data:`MAX_DOWNSTREAM` assets."""
    seen = {str(asset)}
    frontier = [str(asset)]
    found: list[tuple[AssetKey, int]] = []
    for level in range(1, depth + 1):
        if not frontier or len(found) >= MAX_DOWNSTREAM:
            break
        rows = conn.execute(
            select(lineage_edges.c.downstream).where(lineage_edges.c.upstream.in_(frontier)).distinct()
        ).scalars()
        frontier = []
        for key in sorted(rows):
            if key not in seen:
                seen.add(key)
                frontier.append(key)
                found.append((AssetKey.from_stored(key), level))
    return found[:MAX_DOWNSTREAM]


def last_run(conn: Connection, asset: AssetKey) -> dict[str, Any] | None:
    row = conn.execute(
        select(runs)
        .where(runs.c.asset_key == str(asset))
        .order_by(runs.c.start_time.desc().nulls_last(), runs.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return {
        "run_id": row.run_id,
        "orchestrator": row.orchestrator,
        "job": row.job,
        "task": row.task,
        "status": row.status,
        "start_time": row.start_time.isoformat() if row.start_time else None,
        "end_time": row.end_time.isoformat() if row.end_time else None,
    }


def alert_context(
    conn: Connection, asset: AssetKey | None, *, owner: str | None = None, team: str | None = None
) -> AlertContext:
    """Everything an alert about ``asset`` shows besides the check's own numbers."""
    refs: dict[str, PersonRef] = {}
    source = None
    if asset is not None and owner is None:
        resolved, team = owner_of(conn, asset)
        if resolved is not None:
            owner, source = resolved.owner, f"{resolved.source.value}: {resolved.detail}"
    owner_person = person_for(conn, owner) if owner else None
    if owner and owner_person:
        refs[owner] = owner_person
    downstream: list[DownstreamAsset] = []
    total = 0
    run = None
    if asset is not None:
        found = downstream_of(conn, asset)
        total = len(found)
        claims = claims_for_many(conn, [k for k, _ in found])
        pt = people_teams(conn)
        names = list(team_channels(conn))
        for key, depth in found:
            won = resolve_owner(claims.get(key, []))
            d_owner = won.owner if won else None
            d_team = (won.team or team_of(won.owner, names, pt)) if won else None
            downstream.append(DownstreamAsset(key, d_owner, d_team, depth))
            if d_owner and d_owner not in refs:
                ref = person_for(conn, d_owner)
                if ref:
                    refs[d_owner] = ref
        run = last_run(conn, asset)
    return AlertContext(owner, team, source, owner_person, tuple(downstream), total, run, refs)


def people_without_slack_ids(conn: Connection, limit: int = 500) -> list[tuple[str, str]]:
    """(username, e-mail) of people whose Slack user id is not known yet."""
    rows = conn.execute(
        select(people.c.username, people.c.email)
        .where(
            people.c.email.is_not(None), or_(people.c.slack_user_id.is_(None), people.c.slack_user_id == "")
        )
        .order_by(people.c.username)
        .limit(limit)
    )
    return [(r.username, r.email) for r in rows]


def set_slack_user_ids(conn: Connection, found: Iterable[tuple[str, str]]) -> int:
    """Store looked-up Slack user ids; pass :data:`NOT_IN_SLACK` for people Slack does not know."""
    n = 0
    for username, slack_id in found:
        conn.execute(update(people).where(people.c.username == username).values(slack_user_id=slack_id))
        n += 1
    return n
