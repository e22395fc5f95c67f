"""Inferred ownership: the team that writes an asset most often owns it, unless someone says otherwise.

The lowest level of the precedence in :mod:`observer.attribution.owners` — used only for assets that
no edit, orchestrator or config rule claims. Writers are warehouse users counted from query history
(queries whose parsed write target is the asset); users map to teams through ``people``. Users with
no team (service accounts) are not counted, and the detail says how many writes decided it, so a
thin majority reads as such.

>>> from observer.model import AssetKey
>>> k = AssetKey("snowflake", "analytics.marketing.spend")
>>> [c.owner for c in infer_owner_claims([(k, "ALICE", 40), (k, "CAROL", 3)], {"ALICE": "growth", "CAROL": "finance"})]
['growth']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from observer.model import AssetKey, OwnerKind, Ownership, OwnershipSource

ORIGIN = "query-history"


def infer_owner_claims(
    writes: Iterable[tuple[AssetKey, str, int]], people_teams: Mapping[str, str | None], *, min_writes: int = 1
) -> list[Ownership]:
    """One claim per asset for the team with the most writes (ties: alphabetical, and said so)."""
    per_asset: dict[AssetKey, dict[str, int]] = {}
    users: dict[tuple[AssetKey, str], set[str]] = {}
    totals: dict[AssetKey, int] = {}
    for asset, user, count in writes:
        totals[asset] = totals.get(asset, 0) + count
        team = people_teams.get(user) or people_teams.get(user.upper()) or people_teams.get(user.lower())
        if not team:
            continue
        per_asset.setdefault(asset, {})[team] = per_asset.setdefault(asset, {}).get(team, 0) + count
        users.setdefault((asset, team), set()).add(user.upper())
    out = []
    for asset in sorted(per_asset):
        counts = per_asset[asset]
        best = max(counts.values())
        if best < min_writes:
            continue
        leaders = sorted(t for t, n in counts.items() if n == best)
        team = leaders[0]
        who = ", ".join(sorted(users[(asset, team)]))
        tie = f"; tied with {', '.join(leaders[1:])}" if len(leaders) > 1 else ""
        detail = f"inferred: {best} of {totals[asset]} writes by {team} ({who}){tie}"
        out.append(Ownership(asset, team, OwnerKind.TEAM, OwnershipSource.INFERRED, detail, ORIGIN, team))
    return out
