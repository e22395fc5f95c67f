"""Orchestrator-declared ownership: what dbt, Dagster, Airflow and OpenLineage say, tied to teams.

Orchestrators name owners their own way — a dbt group ``data_platform`` or ``meta.owner:
finance-team``, a Dagster ``team:growth`` or ``alice@corp.com``, an Airflow DAG owner ``bob`` — and
only some of those are Observer team names. :func:`write_declared_claims` resolves each claim's team
from the names it may be known by (team names, with ``_`` and ``-`` treated alike; people's user
names and e-mails), then replaces everything that origin claimed before, so a re-ingest with the same
input changes nothing and an owner removed upstream disappears here too.

Explicit catalog edits are a different origin and level (``edit``), so they are never touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection

from observer.attribution.owners import team_of
from observer.model import AssetKey, OwnerKind, Ownership, OwnershipSource
from observer.store.ownership import list_teams, people_teams, replace_claims


def _variants(name: str) -> list[str]:
    base = name.strip()
    if base.lower().startswith("team:"):
        base = base[5:]
    if base.startswith(("@", "#")):
        base = base[1:]
    out = [base, base.replace("_", "-"), base.replace("-", "_"), base.replace(" ", "-")]
    for suffix in ("-team", "_team", " team"):  # "finance-team" names the team "finance"
        if base.lower().endswith(suffix) and len(base) > len(suffix):
            out.append(base[: -len(suffix)])
    return list(dict.fromkeys(out))


def resolve_team(hints: Iterable[str], teams: list[str], people: Mapping[str, str | None]) -> str | None:
    """The first team any of ``hints`` names (a team name or a known person)."""
    for hint in hints:
        for variant in _variants(hint):
            team = team_of(variant, teams, people)
            if team:
                return team
    return None


def _as_team(claim: Ownership, team: str | None) -> tuple[str, OwnerKind]:
    """An owner that names a team (``finance-team``, ``team:finance``) or a team-kind claim whose team
    is known is shown as that team; a person stays a person (with their team alongside)."""
    if team is None:
        return claim.owner, claim.owner_kind
    if claim.owner_kind is OwnerKind.TEAM or any(v.lower() == team.lower() for v in _variants(claim.owner)):
        return team, OwnerKind.TEAM
    return claim.owner, claim.owner_kind


def write_declared_claims(
    conn: Connection,
    origin: str,
    claims: Iterable[Ownership],
    now: datetime,
    hints: Mapping[AssetKey, Iterable[str]] | None = None,
) -> int:
    """Replace ``origin``'s orchestrator claims with ``claims``, teams resolved; returns rows changed."""
    teams = [t.name for t in list_teams(conn)]
    people = people_teams(conn)
    resolved = []
    for c in claims:
        names = [c.owner, *((hints or {}).get(c.asset, ()))]
        team = c.team or resolve_team(names, teams, people)
        owner, kind = _as_team(c, team)
        resolved.append(replace(c, owner=owner, owner_kind=kind, team=team, origin=origin, source=OwnershipSource.ORCHESTRATOR))
    return replace_claims(conn, origin, OwnershipSource.ORCHESTRATOR, resolved, now)


def set_declared_claim(conn: Connection, claim: Ownership, now: datetime, hints: Iterable[str] = ()) -> bool:
    """Add or replace one orchestrator claim (origin and asset from ``claim``), team resolved.

    For sources that describe assets one at a time (OpenLineage events), where replacing everything
    an origin said would drop the assets this event does not mention. Returns whether anything changed.
    """
    from sqlalchemy import select

    from observer.store.ownership import set_claim
    from observer.store.tables import ownerships

    teams = [t.name for t in list_teams(conn)]
    team = claim.team or resolve_team([claim.owner, *hints], teams, people_teams(conn))
    owner, kind = _as_team(claim, team)
    final = replace(claim, owner=owner, owner_kind=kind, team=team, source=OwnershipSource.ORCHESTRATOR)
    row = conn.execute(
        select(ownerships.c.owner, ownerships.c.owner_kind, ownerships.c.team, ownerships.c.detail).where(
            ownerships.c.asset_key == str(final.asset),
            ownerships.c.source == final.source.value,
            ownerships.c.origin == final.origin,
        )
    ).first()
    if row is not None and tuple(row) == (final.owner, final.owner_kind.value, final.team, final.detail):
        return False
    set_claim(conn, final, now)
    return True
