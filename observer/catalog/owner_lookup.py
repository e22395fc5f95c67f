""""Who owns this table?" — one answer for the API (``/api/v1/owners/lookup``) and ``observer owner``.

Given any spelling of a table name (quoted, upper-case, partially qualified, or a full key), the
answer holds:

- the owner that wins by precedence (edit → orchestrator → config rule → inferred) and *how we know*
  (the winning claim's detail and origin), with conflicting claims at the same level shown, not
  hidden, and the overridden lower-level claims listed;
- the owning team and its Slack channel (and the owner's Slack id when the owner is a person);
- the last run that wrote the table (dbt node, Airflow task, Dagster step, OpenLineage job);
- the owners of its direct upstream tables, so a broken input can be chased to its owner.

A name that matches several assets answers ``ambiguous`` with the candidates; none, ``not_found``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Connection, select

from observer.attribution.owners import ResolvedOwner, resolve_owner
from observer.model import Asset, AssetKey, Ownership, Person, RunRecord, Team
from observer.store.assets import get_asset, lookup_assets
from observer.store.lineage import upstream_edges
from observer.store.ownership import claims_for, claims_for_many, list_teams
from observer.store.runs import last_run_for_asset
from observer.store.tables import people

Status = Literal["found", "ambiguous", "not_found"]


@dataclass(frozen=True)
class Candidate:
    asset: Asset
    owner: ResolvedOwner | None


@dataclass(frozen=True)
class UpstreamOwner:
    asset: AssetKey
    owner: ResolvedOwner | None


@dataclass(frozen=True)
class OwnerAnswer:
    query: str
    status: Status
    asset: Asset | None = None
    owner: ResolvedOwner | None = None
    team: Team | None = None
    person: Person | None = None
    claims: tuple[Ownership, ...] = ()
    last_run: RunRecord | None = None
    upstream: tuple[UpstreamOwner, ...] = ()
    candidates: tuple[Candidate, ...] = field(default=())

    @property
    def slack_channel(self) -> str | None:
        return self.team.slack_channel if self.team else None


def _person(conn: Connection, owner: str) -> Person | None:
    stmt = select(people).where((people.c.username == owner) | (people.c.email == owner) | (people.c.username == owner.upper()))
    r = conn.execute(stmt).first()
    return Person(r.username, r.email, r.display_name, r.team, r.slack_user_id) if r else None


def lookup_owner(conn: Connection, table: str, *, platform: str | None = None) -> OwnerAnswer:
    """Answer "who owns ``table``" (see module docstring)."""
    try:
        found = lookup_assets(conn, table, platform)
    except ValueError:
        found = []
    if not found:
        return OwnerAnswer(table, "not_found")
    if len(found) > 1:
        claims = claims_for_many(conn, [a.key for a in found])
        return OwnerAnswer(
            table, "ambiguous",
            candidates=tuple(Candidate(a, resolve_owner(claims.get(a.key, ()))) for a in found),
        )
    return owner_of(conn, found[0].key, query=table)


def owner_of(conn: Connection, key: AssetKey, *, query: str | None = None) -> OwnerAnswer:
    """The full answer for one known asset key."""
    asset = get_asset(conn, key)
    if asset is None:
        return OwnerAnswer(query or str(key), "not_found")
    claims = claims_for(conn, key)
    resolved = resolve_owner(claims)
    team = person = None
    if resolved is not None:
        teams = {t.name: t for t in list_teams(conn)}
        person = _person(conn, resolved.owner)
        team_name = resolved.team or (person.team if person else None)
        team = teams.get(team_name) if team_name else None
    parents = sorted({e.upstream for e in upstream_edges(conn, key)})
    parent_claims = claims_for_many(conn, parents)
    upstream = tuple(UpstreamOwner(p, resolve_owner(parent_claims.get(p, ()))) for p in parents)
    return OwnerAnswer(
        query or str(key), "found", asset, resolved, team, person, tuple(claims),
        last_run_for_asset(conn, key), upstream,
    )


def _owner_json(o: ResolvedOwner | None) -> dict[str, Any] | None:
    if o is None:
        return None
    return {
        "name": o.owner,
        "team": o.team,
        "source": o.source.value,
        "detail": o.detail,
        "origin": o.origin,
        "conflicts": [_claim_json(c) for c in o.conflicts],
        "overridden": [_claim_json(c) for c in o.overridden],
    }


def _claim_json(c: Ownership) -> dict[str, Any]:
    return {"owner": c.owner, "kind": c.owner_kind.value, "team": c.team, "source": c.source.value,
            "origin": c.origin, "detail": c.detail}


def _run_json(r: RunRecord | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "source": r.source, "run_id": r.run_id, "orchestrator": r.orchestrator, "job": r.job, "task": r.task,
        "status": r.status.value, "start_time": r.start_time.isoformat() if r.start_time else None,
        "end_time": r.end_time.isoformat() if r.end_time else None, "rows_affected": r.rows_affected,
    }


def answer_json(a: OwnerAnswer) -> dict[str, Any]:
    """The answer as plain JSON data (the API's and ``observer owner --format json``'s shape)."""
    out: dict[str, Any] = {"query": a.query, "status": a.status}
    if a.status == "ambiguous":
        out["candidates"] = [
            {"key": str(c.asset.key), "kind": c.asset.kind.value, "owner": c.owner.owner if c.owner else None,
             "team": c.owner.team if c.owner else None}
            for c in a.candidates
        ]
        return out
    if a.asset is None:
        return out
    out.update(
        asset={"key": str(a.asset.key), "kind": a.asset.kind.value, "description": a.asset.description},
        owner=_owner_json(a.owner),
        team=({"name": a.team.name, "slack_channel": a.team.slack_channel} if a.team else None),
        person=({"username": a.person.username, "email": a.person.email, "slack_user_id": a.person.slack_user_id}
                if a.person else None),
        slack_channel=a.slack_channel,
        last_run=_run_json(a.last_run),
        upstream=[{"key": str(u.asset), "owner": u.owner.owner if u.owner else None,
                   "team": u.owner.team if u.owner else None,
                   "source": u.owner.source.value if u.owner else None} for u in a.upstream],
    )
    return out
