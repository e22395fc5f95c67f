"""Catalog edits: an owner or description set by a person, which wins over every collector.

An edit is stored twice, on purpose:

- in ``catalog_edits`` (who changed what, when) — the audit trail, and what re-ingestion consults:
  :func:`observer.store.assets.upsert_assets` keeps an edited description whatever a collector says;
- as its effect: an ownership claim at the ``edit`` level (origin ``catalog``), which
  :func:`observer.attribution.owners.resolve_owner` ranks above orchestrator, rule and inferred
  claims; or the asset's ``description`` itself.

Collectors replace only their own claims (origin ``dbt:<source>``, ``config`` …), so an edit survives
any number of re-ingests. Clearing an edit (``None``) hands the asset back to the collectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, select, update

from observer.errors import NotFound
from observer.model import AssetKey, OwnerKind, Ownership, OwnershipSource
from observer.store.declared_owners import resolve_team
from observer.store.ownership import list_teams, people_teams, set_claim
from observer.store.tables import assets, catalog_edits, ownerships
from observer.store.upsert import upsert

EDIT_ORIGIN = "catalog"
FIELDS = ("owner", "description")


@dataclass(frozen=True)
class CatalogEdit:
    asset: AssetKey
    field: str
    value: str | None
    edited_by: str
    edited_at: datetime


def _require_asset(conn: Connection, key: AssetKey) -> None:
    if conn.execute(select(assets.c.id).where(assets.c.key == str(key))).first() is None:
        raise NotFound(f"no asset {key}")


def _record(conn: Connection, key: AssetKey, field: str, value: str | None, who: str, now: datetime) -> None:
    upsert(
        conn,
        catalog_edits,
        [{"asset_key": str(key), "field": field, "value": value, "edited_by": who, "edited_at": now}],
        keys=["asset_key", "field"],
    )


def edit_owner(
    conn: Connection, key: AssetKey, owner: str | None, edited_by: str, now: datetime, *, team: str | None = None
) -> Ownership | None:
    """Set (or with ``None`` clear) the owner of ``key``; returns the claim now in force for the edit."""
    _require_asset(conn, key)
    claim_filter = (
        ownerships.c.asset_key == str(key),
        ownerships.c.source == OwnershipSource.EDIT.value,
        ownerships.c.origin == EDIT_ORIGIN,
    )
    if owner is None or not owner.strip():
        conn.execute(delete(ownerships).where(*claim_filter))
        conn.execute(delete(catalog_edits).where(catalog_edits.c.asset_key == str(key), catalog_edits.c.field == "owner"))
        return None
    owner = owner.strip()
    teams = [t.name for t in list_teams(conn)]
    team = team or resolve_team([owner], teams, people_teams(conn))
    kind = OwnerKind.TEAM if team is not None and team.lower() == owner.lower() else OwnerKind.USER
    claim = Ownership(key, team if kind is OwnerKind.TEAM and team else owner, kind, OwnershipSource.EDIT,
                      f"set in the catalog by {edited_by} on {now:%Y-%m-%d}", EDIT_ORIGIN, team)
    set_claim(conn, claim, now)
    _record(conn, key, "owner", claim.owner, edited_by, now)
    return claim


def edit_description(conn: Connection, key: AssetKey, description: str | None, edited_by: str, now: datetime) -> None:
    """Set the description of ``key`` (kept across re-ingestion); ``None`` removes the edit."""
    _require_asset(conn, key)
    if description is None:
        conn.execute(
            delete(catalog_edits).where(catalog_edits.c.asset_key == str(key), catalog_edits.c.field == "description")
        )
        return
    _record(conn, key, "description", description, edited_by, now)
    conn.execute(update(assets).where(assets.c.key == str(key)).values(description=description, updated_at=now))


def edits_for(conn: Connection, key: AssetKey) -> dict[str, CatalogEdit]:
    """The edits in force on ``key``, by field."""
    rows = conn.execute(select(catalog_edits).where(catalog_edits.c.asset_key == str(key)))
    return {
        r.field: CatalogEdit(AssetKey.from_stored(r.asset_key), r.field, r.value, r.edited_by, r.edited_at) for r in rows
    }
