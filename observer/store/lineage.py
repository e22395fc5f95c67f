"""Lineage edges in the store: table- and column-level, each kept with who told us (``origin``).

Two ways to write, for two kinds of sources:

- :func:`replace_upstreams` — a source that *declares* the full parent list of the assets it
  describes (a dbt manifest, Dagster asset dependencies): for those downstream assets, the edges of
  that origin become exactly the given ones, so a removed ``ref()`` removes its edge.
- :func:`add_edges` — a source that *observes* lineage piecemeal (OpenLineage events, parsed SQL):
  edges are added, and ``last_seen`` moves forward when an edge is seen again later.

Both take the time the lineage was true (artifact ``generated_at``, event time), not the wall
clock, so re-ingesting the same input changes no row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, union_all, update

from observer.model import AssetKey, LineageEdge
from observer.store.tables import lineage_edges

_Ident = tuple[str, str, str, str, str]


def _ident(e: LineageEdge) -> _Ident:
    return (str(e.upstream), str(e.downstream), e.upstream_column or "", e.downstream_column or "", e.origin)


def _row_ident(r: Any) -> _Ident:
    return (r.upstream, r.downstream, r.upstream_column, r.downstream_column, r.origin)


def _to_edge(r: Any) -> LineageEdge:
    return LineageEdge(
        AssetKey.from_stored(r.upstream),
        AssetKey.from_stored(r.downstream),
        r.origin,
        r.upstream_column or None,
        r.downstream_column or None,
    )


def _insert(conn: Connection, idents: Iterable[_Ident], seen_at: datetime) -> int:
    rows = [
        {
            "upstream": u, "downstream": d, "upstream_column": uc, "downstream_column": dc, "origin": o,
            "first_seen": seen_at, "last_seen": seen_at,
        }
        for u, d, uc, dc, o in idents
    ]
    for start in range(0, len(rows), 500):
        conn.execute(lineage_edges.insert(), rows[start : start + 500])
    return len(rows)


def _existing(conn: Connection, origin: str, downstreams: list[str]) -> dict[_Ident, Any]:
    out: dict[_Ident, Any] = {}
    for start in range(0, len(downstreams), 500):
        chunk = downstreams[start : start + 500]
        stmt = select(lineage_edges).where(lineage_edges.c.origin == origin, lineage_edges.c.downstream.in_(chunk))
        for r in conn.execute(stmt):
            out[_row_ident(r)] = r
    return out


def replace_upstreams(
    conn: Connection, origin: str, downstreams: Iterable[AssetKey], edges: Iterable[LineageEdge], seen_at: datetime
) -> int:
    """Make ``origin``'s edges into each of ``downstreams`` exactly ``edges``; returns rows changed."""
    wanted = {_ident(e) for e in edges if e.origin == origin}
    targets = sorted({str(k) for k in downstreams} | {w[1] for w in wanted})
    current = _existing(conn, origin, targets)
    stale = [current[i].id for i in current if i not in wanted]
    for start in range(0, len(stale), 500):
        conn.execute(lineage_edges.delete().where(lineage_edges.c.id.in_(stale[start : start + 500])))
    new = [i for i in wanted if i not in current]
    _insert(conn, sorted(new), seen_at)
    return len(stale) + len(new)


def add_edges(conn: Connection, edges: Iterable[LineageEdge], seen_at: datetime) -> int:
    """Add observed edges; an edge seen again later only moves its ``last_seen``. Returns rows changed."""
    by_origin: dict[str, set[_Ident]] = {}
    for e in edges:
        by_origin.setdefault(e.origin, set()).add(_ident(e))
    changed = 0
    for origin, wanted in by_origin.items():
        current = _existing(conn, origin, sorted({w[1] for w in wanted}))
        new = sorted(i for i in wanted if i not in current)
        changed += _insert(conn, new, seen_at)
        later = [current[i].id for i in wanted if i in current and current[i].last_seen < seen_at]
        earlier = [current[i].id for i in wanted if i in current and current[i].first_seen > seen_at]
        for start in range(0, len(later), 500):
            conn.execute(
                update(lineage_edges).where(lineage_edges.c.id.in_(later[start : start + 500])).values(last_seen=seen_at)
            )
        for start in range(0, len(earlier), 500):
            conn.execute(
                update(lineage_edges).where(lineage_edges.c.id.in_(earlier[start : start + 500])).values(first_seen=seen_at)
            )
        changed += len(later) + len(earlier)
    return changed


def upstream_edges(conn: Connection, key: AssetKey, *, columns: bool = False) -> list[LineageEdge]:
    """Edges into ``key``: table-level by default, column-level with ``columns=True``."""
    col = lineage_edges.c.downstream_column
    stmt = select(lineage_edges).where(lineage_edges.c.downstream == str(key), col != "" if columns else col == "")
    return [_to_edge(r) for r in conn.execute(stmt.order_by(lineage_edges.c.upstream, lineage_edges.c.origin))]


def downstream_edges(conn: Connection, key: AssetKey, *, columns: bool = False) -> list[LineageEdge]:
    col = lineage_edges.c.upstream_column
    stmt = select(lineage_edges).where(lineage_edges.c.upstream == str(key), col != "" if columns else col == "")
    return [_to_edge(r) for r in conn.execute(stmt.order_by(lineage_edges.c.downstream, lineage_edges.c.origin))]


def column_edges(conn: Connection, key: AssetKey) -> list[LineageEdge]:
    """Column-level edges into and out of ``key`` in one statement (each side reads its own index)."""
    e = lineage_edges.c
    stmt = union_all(
        select(lineage_edges).where(e.downstream == str(key), e.downstream_column != ""),
        select(lineage_edges).where(e.upstream == str(key), e.upstream_column != ""),
    )
    return [_to_edge(r) for r in conn.execute(stmt)]


@dataclass(frozen=True)
class LineageGraph:
    root: AssetKey
    nodes: frozenset[AssetKey]
    edges: tuple[LineageEdge, ...]
    """Table-level edges, one per (upstream, downstream) whatever the number of origins."""


def lineage_graph(conn: Connection, key: AssetKey, *, upstream_depth: int = 1, downstream_depth: int = 1) -> LineageGraph:
    """The table-level neighbourhood of ``key``, breadth-first, ``depth`` hops each way."""
    nodes = {key}
    seen: dict[tuple[str, str], LineageEdge] = {}
    for direction, depth in (("up", upstream_depth), ("down", downstream_depth)):
        frontier = {str(key)}
        for _ in range(depth):
            if not frontier:
                break
            near = lineage_edges.c.downstream if direction == "up" else lineage_edges.c.upstream
            found: set[str] = set()
            names = sorted(frontier)
            for start in range(0, len(names), 500):
                stmt = select(lineage_edges).where(near.in_(names[start : start + 500]), lineage_edges.c.upstream_column == "")
                for r in conn.execute(stmt):
                    seen.setdefault((r.upstream, r.downstream), _to_edge(r))
                    found.add(r.upstream if direction == "up" else r.downstream)
            frontier = found - {str(n) for n in nodes}
            nodes |= {AssetKey.from_stored(f) for f in found}
    return LineageGraph(key, frozenset(nodes), tuple(seen[k] for k in sorted(seen)))
