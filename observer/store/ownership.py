"""Teams, people and ownership claims in the store."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, delete, select

from observer.model import AssetKey, OwnerKind, Ownership, OwnershipSource, Person, Team
from observer.store.tables import ownerships, people, teams
from observer.store.upsert import upsert


def sync_teams(conn: Connection, items: Iterable[Team], source: str = "config") -> None:
    """Make the stored teams from ``source`` exactly ``items`` (config is the source of truth)."""
    items = list(items)
    conn.execute(delete(teams).where(teams.c.source == source, teams.c.name.not_in([t.name for t in items])))
    upsert(
        conn,
        teams,
        [
            {
                "name": t.name,
                "slack_channel": t.slack_channel,
                "description": t.description,
                "monthly_budget_usd": t.monthly_budget_usd,
                "source": source,
            }
            for t in items
        ],
        keys=["name"],
    )


def upsert_people(conn: Connection, items: Iterable[Person]) -> None:
    upsert(
        conn,
        people,
        [
            {
                "username": p.username,
                "email": p.email,
                "display_name": p.display_name,
                "team": p.team,
                "slack_user_id": p.slack_user_id,
            }
            for p in items
        ],
        keys=["username"],
    )


def list_teams(conn: Connection) -> list[Team]:
    members: dict[str, list[str]] = {}
    for r in conn.execute(select(people.c.username, people.c.team).order_by(people.c.username)):
        if r.team:
            members.setdefault(r.team, []).append(r.username)
    return [
        Team(r.name, r.slack_channel, r.description, tuple(members.get(r.name, ())), r.monthly_budget_usd)
        for r in conn.execute(select(teams).order_by(teams.c.name))
    ]


def list_people(conn: Connection) -> list[Person]:
    return [
        Person(r.username, r.email, r.display_name, r.team, r.slack_user_id)
        for r in conn.execute(select(people).order_by(people.c.username))
    ]


def people_teams(conn: Connection) -> dict[str, str | None]:
    """username and e-mail → team, for resolving an owner string to a team."""
    out: dict[str, str | None] = {}
    for r in conn.execute(select(people.c.username, people.c.email, people.c.team)):
        out[r.username] = r.team
        if r.email:
            out[r.email] = r.team
    return out


def replace_claims(
    conn: Connection, origin: str, source: OwnershipSource, claims: Iterable[Ownership], now: datetime
) -> int:
    """Replace every claim made by ``origin`` at level ``source`` with ``claims`` (idempotent)."""
    claims = list(claims)
    wanted = {(str(c.asset), c.owner, c.owner_kind.value, c.team, c.detail) for c in claims}
    current = {
        (r.asset_key, r.owner, r.owner_kind, r.team, r.detail)
        for r in conn.execute(
            select(ownerships).where(ownerships.c.origin == origin, ownerships.c.source == source.value)
        )
    }
    if wanted == current:
        return 0
    conn.execute(delete(ownerships).where(ownerships.c.origin == origin, ownerships.c.source == source.value))
    upsert(
        conn,
        ownerships,
        [
            {
                "asset_key": str(c.asset),
                "source": source.value,
                "origin": origin,
                "owner": c.owner,
                "owner_kind": c.owner_kind.value,
                "team": c.team,
                "detail": c.detail,
                "updated_at": now,
            }
            for c in claims
        ],
        keys=["asset_key", "source", "origin"],
    )
    return len(claims)


def set_claim(conn: Connection, claim: Ownership, now: datetime) -> None:
    """Add or replace one claim (e.g. an explicit catalog edit)."""
    upsert(
        conn,
        ownerships,
        [
            {
                "asset_key": str(claim.asset),
                "source": claim.source.value,
                "origin": claim.origin,
                "owner": claim.owner,
                "owner_kind": claim.owner_kind.value,
                "team": claim.team,
                "detail": claim.detail,
                "updated_at": now,
            }
        ],
        keys=["asset_key", "source", "origin"],
    )


def _to_claim(r: object) -> Ownership:
    m = r._mapping  # type: ignore[attr-defined]
    return Ownership(
        AssetKey.from_stored(m["asset_key"]),
        m["owner"],
        OwnerKind(m["owner_kind"]),
        OwnershipSource(m["source"]),
        m["detail"],
        m["origin"],
        m["team"],
    )


def claims_for(conn: Connection, key: AssetKey) -> list[Ownership]:
    return [_to_claim(r) for r in conn.execute(select(ownerships).where(ownerships.c.asset_key == str(key)))]


def claims_for_many(conn: Connection, keys: Iterable[AssetKey]) -> dict[AssetKey, list[Ownership]]:
    names = [str(k) for k in keys]
    out: dict[AssetKey, list[Ownership]] = {}
    for start in range(0, len(names), 500):
        for r in conn.execute(select(ownerships).where(ownerships.c.asset_key.in_(names[start : start + 500]))):
            claim = _to_claim(r)
            out.setdefault(claim.asset, []).append(claim)
    return out


def all_claims(conn: Connection) -> dict[AssetKey, list[Ownership]]:
    out: dict[AssetKey, list[Ownership]] = {}
    for r in conn.execute(select(ownerships)):
        claim = _to_claim(r)
        out.setdefault(claim.asset, []).append(claim)
    return out
