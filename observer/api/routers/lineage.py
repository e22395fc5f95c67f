"""``/api/v1/assets/{key}/lineage``: an asset's upstream and downstream, table- and column-level."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from observer.api.auth import require_role
from observer.api.deps import read_conn
from observer.api.errors import NotFound
from observer.api.keys import api_asset_path, asset_path, key_from_path
from observer.catalog.lineage import MAX_DEPTH, LineageNode, load_column_lineage, load_lineage
from observer.model import AssetKey
from observer.store.catalog import asset_briefs

router = APIRouter(prefix="/assets", tags=["lineage"], dependencies=[Depends(require_role("viewer"))])


class NodeOut(BaseModel):
    key: str
    name: str
    short_name: str
    platform: str
    kind: str | None = Field(description="null when the asset is known only from lineage")
    owner: str | None
    team: str | None
    layer: int = Field(description="hops from the asset: negative upstream, positive downstream")
    url: str
    api_url: str

    @classmethod
    def of(cls, n: LineageNode) -> NodeOut:
        return cls(
            key=str(n.key),
            name=n.key.name,
            short_name=n.key.short_name,
            platform=n.key.platform,
            kind=n.kind,
            owner=n.owner,
            team=n.team,
            layer=n.layer,
            url=asset_path(n.key),
            api_url=api_asset_path(n.key),
        )


class EdgeOut(BaseModel):
    upstream: str
    downstream: str
    origin: str = Field(description="who reported the edge: dbt, sql, openlineage …")


class LineageOut(BaseModel):
    root: str
    nodes: list[NodeOut]
    edges: list[EdgeOut]
    truncated: bool = Field(description="true when the farthest assets were left out (more than 300)")
    direct_upstream: int | None = Field(None, description="when truncated: how many assets the root reads from directly")
    direct_downstream: int | None = Field(None, description="when truncated: how many assets read from the root directly")


class ColumnEdgeOut(BaseModel):
    upstream: str
    upstream_column: str
    downstream: str
    downstream_column: str
    origin: str


class ColumnLineageOut(BaseModel):
    root: str
    edges: list[ColumnEdgeOut]


def _known(conn: Connection, key: str) -> AssetKey:
    asset_key = key_from_path(key)
    if not asset_briefs(conn, [asset_key]):
        raise NotFound(f"no asset {asset_key}")
    return asset_key


@router.get("/{key:path}/lineage/columns", response_model=ColumnLineageOut, summary="Column-level lineage")
def column_lineage(key: str, conn: Connection = Depends(read_conn)) -> ColumnLineageOut:
    """Which columns feed which, into and out of this asset."""
    asset_key = _known(conn, key)
    return ColumnLineageOut(
        root=str(asset_key),
        edges=[
            ColumnEdgeOut(
                upstream=str(c.upstream),
                upstream_column=c.upstream_column,
                downstream=str(c.downstream),
                downstream_column=c.downstream_column,
                origin=c.origin,
            )
            for c in load_column_lineage(conn, asset_key)
        ],
    )


@router.get("/{key:path}/lineage", response_model=LineageOut, summary="Table-level lineage")
def lineage(
    key: str,
    upstream: int = Query(1, ge=0, le=MAX_DEPTH, description="hops upstream"),
    downstream: int = Query(1, ge=0, le=MAX_DEPTH, description="hops downstream"),
    conn: Connection = Depends(read_conn),
) -> LineageOut:
    """The asset's neighbourhood: every asset within ``upstream``/``downstream`` hops and the edges between them."""
    asset_key = key_from_path(key)
    view = load_lineage(conn, asset_key, upstream=upstream, downstream=downstream)
    if not any(n.key == asset_key and n.kind is not None for n in view.nodes):  # the root's facts come with the walk
        raise NotFound(f"no asset {asset_key}")
    return LineageOut(
        root=str(view.root),
        nodes=[NodeOut.of(n) for n in view.nodes],
        edges=[EdgeOut(upstream=str(e.upstream), downstream=str(e.downstream), origin=e.origin) for e in view.links],
        truncated=view.truncated,
        direct_upstream=view.direct[0] if view.direct else None,
        direct_downstream=view.direct[1] if view.direct else None,
    )
