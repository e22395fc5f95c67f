"""Read-side queries for the catalog UI and API: search documents and asset briefs.

These are the reads the pages need that the write-side repositories (``assets``, ``ownership`` …)
do not offer: everything the search index is built from in one pass, and short descriptions of many
assets at once (lineage graph nodes).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from observer.model import AssetKey, OwnerKind, Ownership, OwnershipSource
from observer.store.tables import asset_columns, assets, ownerships

_CHUNK = 500


@dataclass(frozen=True)
class SearchDocument:
    """Everything search looks at for one asset."""

    id: int
    key: AssetKey
    kind: str
    description: str | None
    tags: tuple[str, ...]
    columns: tuple[str, ...]
    claims: tuple[Ownership, ...]


@dataclass(frozen=True)
class AssetBrief:
    key: AssetKey
    kind: str
    description: str | None


def catalog_version(conn: Connection) -> tuple[Any, ...]:
    """A cheap fingerprint of everything search documents contain; it changes when any of it does."""
    a = conn.execute(select(func.count(), func.max(assets.c.updated_at)).select_from(assets)).one()
    o = conn.execute(select(func.count(), func.max(ownerships.c.updated_at)).select_from(ownerships)).one()
    c = conn.execute(select(func.count()).select_from(asset_columns)).scalar_one()
    return (a[0], str(a[1]), o[0], str(o[1]), c)


def search_documents(conn: Connection) -> Iterator[SearchDocument]:
    """Every asset with its column names and ownership claims, in asset-id order (streamed)."""
    columns: dict[int, list[str]] = {}
    for r in conn.execute(select(asset_columns.c.asset_id, asset_columns.c.name).order_by(asset_columns.c.asset_id)):
        columns.setdefault(r.asset_id, []).append(r.name)
    claims: dict[str, list[Ownership]] = {}
    for r in conn.execute(select(ownerships)):
        claims.setdefault(r.asset_key, []).append(
            Ownership(
                AssetKey.from_stored(r.asset_key),
                r.owner,
                OwnerKind(r.owner_kind),
                OwnershipSource(r.source),
                r.detail,
                r.origin,
                r.team,
            )
        )
    stmt = select(
        assets.c.id, assets.c.key, assets.c.platform, assets.c.name, assets.c.kind, assets.c.description, assets.c.tags
    ).order_by(assets.c.id)
    for a in conn.execute(stmt):
        yield SearchDocument(
            a.id,
            AssetKey(a.platform, a.name),
            a.kind,
            a.description,
            tuple(a.tags or ()),
            tuple(columns.get(a.id, ())),
            tuple(claims.get(a.key, ())),
        )


def asset_briefs(conn: Connection, keys: Iterable[AssetKey]) -> dict[AssetKey, AssetBrief]:
    """Kind and description of each of ``keys`` that is in the catalog (unknown keys are left out)."""
    names = sorted({str(k) for k in keys})
    out: dict[AssetKey, AssetBrief] = {}
    for start in range(0, len(names), _CHUNK):
        stmt = select(assets.c.platform, assets.c.name, assets.c.kind, assets.c.description).where(
            assets.c.key.in_(names[start : start + _CHUNK])
        )
        for r in conn.execute(stmt):
            key = AssetKey(r.platform, r.name)
            out[key] = AssetBrief(key, r.kind, r.description)
    return out
