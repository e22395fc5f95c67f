"""Ownership resolution with provenance (pure).

Precedence, first wins: explicit catalog edit → orchestrator-declared (dbt ``meta.owner`` / group,
Dagster ``owners``, Airflow DAG owner of the writing task, OpenLineage ownership facet) → config rules
(glob patterns in observer.yaml) → inferred (the team that writes the asset most often).

Conflicts (two claims at the winning level naming different owners) are returned, not hidden, so
the catalog can show them.

>>> from observer.model import AssetKey, Ownership, OwnerKind, OwnershipSource
>>> k = AssetKey("snowflake", "analytics.marts.orders")
>>> r = resolve_owner([
...     Ownership(k, "growth", OwnerKind.TEAM, OwnershipSource.RULE, "rule analytics.marts.*", "config"),
...     Ownership(k, "finance", OwnerKind.TEAM, OwnershipSource.ORCHESTRATOR, "dbt meta.owner", "dbt:shop"),
... ])
>>> (r.owner, r.source.value)
('finance', 'orchestrator')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from observer.model import AssetKey, Ownership, OwnershipSource


@dataclass(frozen=True)
class ResolvedOwner:
    owner: str
    team: str | None
    source: OwnershipSource
    detail: str
    origin: str
    conflicts: tuple[Ownership, ...] = ()
    """Other claims at the same precedence naming a different owner."""
    overridden: tuple[Ownership, ...] = ()
    """Claims of lower precedence, kept so the UI can show the full story."""


def resolve_owner(claims: Iterable[Ownership]) -> ResolvedOwner | None:
    """The winning claim among ``claims`` (or ``None`` when nobody claims the asset)."""
    ordered = sorted(claims, key=lambda c: (c.source.precedence, c.origin, c.owner))
    if not ordered:
        return None
    winner = ordered[0]
    same_level = [c for c in ordered[1:] if c.source == winner.source and c.owner != winner.owner]
    lower = [c for c in ordered[1:] if c.source != winner.source]
    return ResolvedOwner(
        owner=winner.owner,
        team=winner.team,
        source=winner.source,
        detail=winner.detail,
        origin=winner.origin,
        conflicts=tuple(same_level),
        overridden=tuple(lower),
    )


def match_rule(name: str, patterns: Sequence[tuple[str, str]]) -> tuple[str, str] | None:
    """The first ``(pattern, owner)`` whose glob matches ``name`` (case-insensitive)."""
    lowered = name.lower()
    for pattern, owner in patterns:
        if fnmatchcase(lowered, pattern.lower()) or fnmatchcase(lowered, f"*.{pattern.lower()}"):
            return pattern, owner
    return None


def team_of(owner: str, teams: Iterable[str], people_teams: Mapping[str, str | None]) -> str | None:
    """The team an owner string stands for: a team name, or a person's team (by username or e-mail)."""
    team_names = {t.lower(): t for t in teams}
    if owner.lower() in team_names:
        return team_names[owner.lower()]
    for key in (owner, owner.lower(), owner.upper()):
        if key in people_teams:
            return people_teams[key]
    return None


def rule_claims(
    keys: Iterable[AssetKey], patterns: Sequence[tuple[str, str]], teams: Iterable[str], people_teams: Mapping[str, str | None]
) -> list[Ownership]:
    """Ownership claims from config rules for every asset a rule matches."""
    from observer.model import OwnerKind

    team_list = list(teams)
    out = []
    for key in keys:
        hit = match_rule(key.name, patterns)
        if hit is None:
            continue
        pattern, owner = hit
        team = team_of(owner, team_list, people_teams)
        kind = OwnerKind.TEAM if team == owner else OwnerKind.USER
        out.append(Ownership(key, owner, kind, OwnershipSource.RULE, f"config rule {pattern!r}", "config", team))
    return out
