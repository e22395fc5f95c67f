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
from observer.store.tables import asset_columns, assets, lineage_edges, ownerships, people, teams

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
    t = hash(tuple(tuple(r) for r in conn.execute(select(teams).order_by(teams.c.name))))
    p = hash(tuple(tuple(r) for r in conn.execute(select(people).order_by(people.c.username))))
    return (a[0], str(a[1]), o[0], str(o[1]), c, t, p)


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


@dataclass(frozen=True)
class Neighbourhood:
    edges: dict[tuple[AssetKey, AssetKey], str]
    """Table-level edges ``(upstream, downstream)`` → one origin that reported it."""
    truncated: bool
    """True when the walk stopped at ``limit`` edges, leaving farther assets out."""


def neighbourhood(conn: Connection, key: AssetKey, *, upstream: int, downstream: int, limit: int) -> Neighbourhood:
    """Table-level lineage up to ``upstream``/``downstream`` hops from ``key``, reading at most about
    ``limit`` edges per direction, so a hub with thousands of neighbours costs a bounded query."""
    e = lineage_edges.c
    found: dict[tuple[AssetKey, AssetKey], str] = {}
    truncated = False
    for near, far, depth in ((e.downstream, e.upstream, upstream), (e.upstream, e.downstream, downstream)):
        seen = {str(key)}
        frontier = [str(key)]
        budget = limit
        for _ in range(depth):
            if not frontier or budget <= 0:
                break
            nxt: list[str] = []
            for start in range(0, len(frontier), _CHUNK):
                if budget <= 0:
                    truncated = True
                    break
                stmt = (
                    select(e.upstream, e.downstream, e.origin)
                    .where(near.in_(frontier[start : start + _CHUNK]), e.upstream_column == "")
                    .order_by(far, e.origin)
                    .limit(budget + 1)
                )
                rows = conn.execute(stmt).all()
                if len(rows) > budget:
                    truncated = True
                    rows = rows[:budget]
                budget -= len(rows)
                for up, down, origin in rows:
                    found.setdefault((AssetKey.from_stored(up), AssetKey.from_stored(down)), origin)
                    other = up if near is e.downstream else down
                    if other not in seen:
                        seen.add(other)
                        nxt.append(other)
            frontier = nxt
    return Neighbourhood(found, truncated)
