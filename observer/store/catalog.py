"""Read-side queries for the catalog UI and API: search documents and asset briefs.

These are the reads the pages need that the write-side repositories (``assets``, ``ownership`` …)
do not offer: everything the search index is built from in one pass, and short descriptions of many
assets at once (lineage graph nodes).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Integer, Select, bindparam, func, literal, null, select, union_all

from observer.model import Asset, AssetKey, Column, OwnerKind, Ownership, OwnershipSource
from observer.store.assets import to_asset
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
class NodeFacts:
    """What the lineage graph says about each asset it shows, read with the edges."""

    kinds: dict[AssetKey, str]
    """Catalog kind of each asset that is in the catalog (keys lineage merely names are left out)."""
    claims: dict[AssetKey, list[Ownership]]
    """Every ownership claim on each asset that has any."""


@dataclass(frozen=True)
class Neighbourhood:
    edges: dict[tuple[AssetKey, AssetKey], str]
    """Table-level edges ``(upstream, downstream)`` → one origin that reported it."""
    truncated: bool
    """True when the walk stopped at ``limit`` edges, leaving farther assets out."""
    facts: NodeFacts
    """Kind and ownership claims of the root and of every asset the edges reach."""


_CLAIM_COLUMNS = (
    ownerships.c.source, ownerships.c.origin.label("claim_origin"), ownerships.c.owner, ownerships.c.owner_kind,
    ownerships.c.team, ownerships.c.detail,
)


def _add_fact(facts: NodeFacts, key: AssetKey, kind: str | None, m: Any) -> None:
    """Record one joined row: the asset's kind (when catalogued) and one claim (when claimed)."""
    if kind is not None:
        facts.kinds[key] = kind
    if m["owner"] is not None:
        claims = facts.claims.setdefault(key, [])
        claim = Ownership(
            key, m["owner"], OwnerKind(m["owner_kind"]), OwnershipSource(m["source"]), m["detail"], m["claim_origin"],
            m["team"],
        )
        if claim not in claims:  # the same asset reached over two edges repeats its claims
            claims.append(claim)


@lru_cache(maxsize=1)
def _facts_statement() -> Any:
    keys: Any = bindparam("keys", expanding=True)
    nulls = [null().label(c.name) for c in _CLAIM_COLUMNS]
    return union_all(
        select(assets.c.key.label("asset_key"), assets.c.kind, *nulls).where(assets.c.key.in_(keys)),
        select(ownerships.c.asset_key, null().label("kind"), *_CLAIM_COLUMNS).where(ownerships.c.asset_key.in_(keys)),
    )


def node_facts(conn: Connection, keys: Iterable[AssetKey]) -> NodeFacts:
    """Kind and ownership claims of each of ``keys`` in one statement (assets and claims side by side)."""
    facts = NodeFacts({}, {})
    names = sorted({str(k) for k in keys})
    for start in range(0, len(names), _CHUNK):
        for r in conn.execute(_facts_statement(), {"keys": names[start : start + _CHUNK]}):
            _add_fact(facts, AssetKey.from_stored(r.asset_key), r.kind, r._mapping)
    return facts


@lru_cache(maxsize=64)
def _hops(shape: tuple[tuple[int, int], ...]) -> Select[Any]:
    """One statement for a hop distance: for each ``(direction, part)`` in ``shape`` (direction 0 up,
    1 down; part numbers the frontier's chunks), the edges from the frontier chunk bound as
    ``f{direction}_{part}``, at most ``b{direction}_{part}`` of them, each with the kind and ownership
    claims of the asset it reaches. Built once per shape; only the bound values change per request."""
    e = lineage_edges.c
    parts = []
    for direction, part in shape:
        near, far = (e.downstream, e.upstream) if direction == 0 else (e.upstream, e.downstream)
        hop = (
            select(e.upstream, e.downstream, e.origin, far.label("far"))
            .where(near.in_(bindparam(f"f{direction}_{part}", expanding=True)), e.upstream_column == "")
            .order_by(far, e.origin)
            .limit(bindparam(f"b{direction}_{part}", type_=Integer))
            .subquery()
        )
        parts.append(
            select(
                literal(direction).label("direction"), literal(part).label("part"), hop.c.upstream,
                hop.c.downstream, hop.c.origin, hop.c.far, assets.c.kind, *_CLAIM_COLUMNS,
            ).select_from(
                hop.outerjoin(assets, assets.c.key == hop.c.far).outerjoin(
                    ownerships, ownerships.c.asset_key == hop.c.far
                )
            )
        )
    return parts[0] if len(parts) == 1 else union_all(*parts)  # type: ignore[return-value]


def neighbourhood(
    conn: Connection,
    key: AssetKey,
    *,
    upstream: int,
    downstream: int,
    limit: int,
    root: NodeFacts | None = None,
) -> Neighbourhood:
    """Table-level lineage up to ``upstream``/``downstream`` hops from ``key``, reading at most about
    ``limit`` edges per direction, so a hub with thousands of neighbours costs a bounded query.

    One statement per hop distance covers both directions and brings the kind and ownership claims of
    the assets it reaches (the edges joined to ``assets`` and ``ownerships``), so a one-hop
    neighbourhood is a single round trip. ``root`` passes the root's facts when the caller already
    has them (else they are read too).
    """
    facts = root if root is not None else node_facts(conn, [key])
    facts = NodeFacts(dict(facts.kinds), {k: list(v) for k, v in facts.claims.items()})
    found: dict[tuple[AssetKey, AssetKey], str] = {}
    truncated = False
    depths = (upstream, downstream)
    seen = [{str(key)}, {str(key)}]
    frontiers = [[str(key)], [str(key)]]
    budgets = [limit, limit]
    for level in range(max(depths)):
        live = [d for d in (0, 1) if level < depths[d] and frontiers[d] and budgets[d] > 0]
        if not live:
            break
        shape = tuple((d, i) for d in live for i in range((len(frontiers[d]) + _CHUNK - 1) // _CHUNK))
        params: dict[str, Any] = {}
        for d, i in shape:
            params[f"f{d}_{i}"] = frontiers[d][i * _CHUNK : (i + 1) * _CHUNK]
            params[f"b{d}_{i}"] = budgets[d] + 1
        rows: dict[tuple[int, int], list[Any]] = {}
        for r in conn.execute(_hops(shape), params):
            rows.setdefault((r.direction, r.part), []).append(r)
        for d in live:
            nxt: list[str] = []
            for i in range((len(frontiers[d]) + _CHUNK - 1) // _CHUNK):
                if budgets[d] <= 0:
                    truncated = True
                    break
                # Rows come one per claim: the edges are the distinct (upstream, downstream, origin).
                chunk = sorted(rows.get((d, i), ()), key=lambda r: (r.far, r.origin))
                edges = list(dict.fromkeys((r.upstream, r.downstream, r.origin) for r in chunk))
                if len(edges) > budgets[d]:
                    truncated = True
                    edges = edges[: budgets[d]]
                budgets[d] -= len(edges)
                kept = set(edges)
                for r in chunk:
                    if (r.upstream, r.downstream, r.origin) in kept:
                        _add_fact(facts, AssetKey.from_stored(r.far), r.kind, r._mapping)
                for up, down, origin in edges:
                    found.setdefault((AssetKey.from_stored(up), AssetKey.from_stored(down)), origin)
                    other = up if d == 0 else down
                    if other not in seen[d]:
                        seen[d].add(other)
                        nxt.append(other)
            frontiers[d] = nxt
    return Neighbourhood(found, truncated, facts)


def direct_neighbours(conn: Connection, key: AssetKey) -> tuple[int, int]:
    """How many assets ``key`` reads from directly and how many read from it (table-level edges, any
    origin), by index — for a hub whose neighbourhood is cut to the nearest few hundred."""
    e = lineage_edges.c
    name = str(key)
    up = select(func.count(e.upstream.distinct())).where(e.downstream == name, e.upstream_column == "", e.upstream != name)
    down = select(func.count(e.downstream.distinct())).where(e.upstream == name, e.upstream_column == "", e.downstream != name)
    row = conn.execute(select(up.scalar_subquery(), down.scalar_subquery())).one()
    return int(row[0]), int(row[1])


@lru_cache(maxsize=1)
def _asset_detail_statement() -> Any:
    key: Any = bindparam("key")
    nulls = [null().label(c.name) for c in _CLAIM_COLUMNS]
    asset_id = select(assets.c.id).where(assets.c.key == key).scalar_subquery()
    return union_all(
        select(
            literal(0).label("part"), asset_columns.c.name.label("column_name"), asset_columns.c.position,
            asset_columns.c.data_type, asset_columns.c.description.label("column_description"), *nulls,
        ).where(asset_columns.c.asset_id == asset_id),
        select(
            literal(1).label("part"), null().label("column_name"), null().label("position"), null().label("data_type"),
            null().label("column_description"), *_CLAIM_COLUMNS,
        ).where(ownerships.c.asset_key == key),
    )


def asset_detail(conn: Connection, key: AssetKey) -> tuple[Asset, list[Ownership]] | None:
    """The asset with its columns (in position order) and every ownership claim on it, in two
    statements: the asset row, then its columns and claims side by side (``None`` if unknown)."""
    row = conn.execute(select(assets).where(assets.c.key == str(key))).first()
    if row is None:
        return None
    columns: list[tuple[tuple[bool, int], Column]] = []
    claims: list[Ownership] = []
    for r in conn.execute(_asset_detail_statement(), {"key": str(key)}):
        if r.part == 0:
            columns.append(((r.position is None, r.position or 0), Column(r.column_name, r.data_type, r.column_description, r.position)))
        else:
            claims.append(
                Ownership(
                    key, r.owner, OwnerKind(r.owner_kind), OwnershipSource(r.source), r.detail, r.claim_origin, r.team
                )
            )
    columns.sort(key=lambda c: c[0])
    return to_asset(row, [c for _, c in columns]), claims
