"""Lineage as the catalog shows it: an asset's neighbourhood laid out in layers, and column edges.

Layers are hop distances from the asset: upstream assets get negative layers, downstream positive,
so a left-to-right drawing reads "comes from → this → feeds". Each node carries its kind and owner,
so the graph answers "whose is that table?" without another request.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection

from observer.attribution.owners import resolve_owner
from observer.model import AssetKey, LineageEdge
from observer.store.catalog import NodeFacts, direct_neighbours, neighbourhood
from observer.store.lineage import column_edges

MAX_DEPTH = 5
MAX_NODES = 300


@dataclass(frozen=True)
class LineageNode:
    key: AssetKey
    layer: int
    """Hops from the root: negative upstream, positive downstream, 0 for the root itself."""
    kind: str | None
    """``None`` when lineage names an asset the catalog has not described (yet)."""
    owner: str | None
    team: str | None


@dataclass(frozen=True)
class LineageLink:
    upstream: AssetKey
    downstream: AssetKey
    origin: str


@dataclass(frozen=True)
class LineageView:
    root: AssetKey
    nodes: list[LineageNode]
    links: list[LineageLink]
    truncated: bool
    """True when the neighbourhood had more than ``max_nodes`` assets and the farthest were left out."""
    direct: tuple[int, int] | None = None
    """When truncated: how many assets the root reads from directly, and how many read from it."""

    def upstream(self) -> list[LineageNode]:
        return [n for n in self.nodes if n.layer < 0]

    def downstream(self) -> list[LineageNode]:
        return [n for n in self.nodes if n.layer > 0]


@dataclass(frozen=True)
class ColumnLink:
    upstream: AssetKey
    upstream_column: str
    downstream: AssetKey
    downstream_column: str
    origin: str


def layer_nodes(root: AssetKey, edges: Iterable[LineageEdge]) -> dict[AssetKey, int]:
    """Signed hop distance of every node reachable from ``root`` upstream (<0) or downstream (>0).

    A node that is both (a cycle) keeps the distance found first, upstream before downstream.
    """
    ups: dict[AssetKey, list[AssetKey]] = {}
    downs: dict[AssetKey, list[AssetKey]] = {}
    for e in edges:
        ups.setdefault(e.downstream, []).append(e.upstream)
        downs.setdefault(e.upstream, []).append(e.downstream)
    layers = {root: 0}
    for neighbours, sign in ((ups, -1), (downs, 1)):
        queue = deque([(root, 0)])
        while queue:
            node, dist = queue.popleft()
            for nxt in sorted(neighbours.get(node, ())):
                if nxt not in layers:
                    layers[nxt] = sign * (dist + 1)
                    queue.append((nxt, dist + 1))
    return layers


def load_lineage(
    conn: Connection,
    key: AssetKey,
    *,
    upstream: int = 1,
    downstream: int = 1,
    max_nodes: int = MAX_NODES,
    root: NodeFacts | None = None,
) -> LineageView:
    """Table-level lineage ``upstream`` hops up and ``downstream`` hops down from ``key``.

    At most about ``max_nodes`` assets are read each way; the nearest are kept when there are more.
    ``root`` is the root's kind and claims when the caller has read them already.
    """
    hood = neighbourhood(
        conn,
        key,
        upstream=max(0, min(upstream, MAX_DEPTH)),
        downstream=max(0, min(downstream, MAX_DEPTH)),
        limit=max_nodes,
        root=root,
    )
    edges = [LineageEdge(u, d, origin) for (u, d), origin in hood.edges.items()]
    layers = layer_nodes(key, edges)
    ordered = sorted(layers, key=lambda k: (abs(layers[k]), layers[k], str(k)))
    kept = set(ordered[:max_nodes])
    facts = hood.facts
    nodes = []
    for k in sorted(kept, key=lambda k: (layers[k], str(k))):
        owner = resolve_owner(facts.claims.get(k, ()))
        nodes.append(
            LineageNode(k, layers[k], facts.kinds.get(k), owner.owner if owner else None, owner.team if owner else None)
        )
    links = [
        LineageLink(e.upstream, e.downstream, e.origin)
        for e in sorted(edges, key=lambda e: (str(e.upstream), str(e.downstream)))
        if e.upstream in kept and e.downstream in kept
    ]
    truncated = hood.truncated or len(layers) > len(kept)
    return LineageView(key, nodes, links, truncated, direct_neighbours(conn, key) if truncated else None)


def load_column_lineage(conn: Connection, key: AssetKey) -> list[ColumnLink]:
    """Column-level edges into and out of ``key``, one per column pair and origin."""
    edges = column_edges(conn, key)
    links = {
        (str(e.upstream), e.upstream_column or "", str(e.downstream), e.downstream_column or "", e.origin): ColumnLink(
            e.upstream, e.upstream_column or "", e.downstream, e.downstream_column or "", e.origin
        )
        for e in edges
    }
    return [links[k] for k in sorted(links)]
