"""Response models of the catalog API (pydantic, at the HTTP edge only), built from read models."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, Field

from observer.api.keys import api_asset_path, asset_path
from observer.attribution.owners import ResolvedOwner
from observer.catalog.assets import AssetView
from observer.catalog.search_index import Hit
from observer.model import AssetKey, Column, Ownership


class ClaimOut(BaseModel):
    """One ownership claim: who says whom owns the asset, and on what grounds."""

    owner: str
    owner_kind: str
    team: str | None
    source: str = Field(description="edit, orchestrator, rule or inferred (highest precedence first)")
    origin: str
    detail: str

    @classmethod
    def of(cls, c: Ownership) -> ClaimOut:
        return cls(
            owner=c.owner,
            owner_kind=c.owner_kind.value,
            team=c.team,
            source=c.source.value,
            origin=c.origin,
            detail=c.detail,
        )


class OwnerOut(BaseModel):
    """The winning ownership claim and why it won."""

    owner: str
    team: str | None
    source: str
    origin: str
    detail: str = Field(description="human-readable provenance, e.g. 'dbt meta.owner on model.shop.orders'")
    conflicts: list[ClaimOut] = Field(description="other claims at the same precedence naming someone else")
    overridden: list[ClaimOut] = Field(description="lower-precedence claims")

    @classmethod
    def of(cls, r: ResolvedOwner) -> OwnerOut:
        return cls(
            owner=r.owner,
            team=r.team,
            source=r.source.value,
            origin=r.origin,
            detail=r.detail,
            conflicts=[ClaimOut.of(c) for c in r.conflicts],
            overridden=[ClaimOut.of(c) for c in r.overridden],
        )


class ColumnOut(BaseModel):
    name: str
    data_type: str | None
    description: str | None
    position: int | None

    @classmethod
    def of(cls, c: Column) -> ColumnOut:
        return cls(name=c.name, data_type=c.data_type, description=c.description, position=c.position)


class AssetSummary(BaseModel):
    key: str = Field(examples=["snowflake://analytics.marts.fct_orders"])
    platform: str
    name: str
    short_name: str
    kind: str
    description: str | None
    tags: list[str]
    owner: str | None
    team: str | None
    url: str = Field(description="the asset's catalog page")
    api_url: str

    @classmethod
    def from_hit(cls, h: Hit) -> AssetSummary:
        return cls(
            key=str(h.key),
            platform=h.key.platform,
            name=h.key.name,
            short_name=h.key.short_name,
            kind=h.kind,
            description=h.description,
            tags=list(h.tags),
            owner=h.owner,
            team=h.team,
            url=asset_path(h.key),
            api_url=api_asset_path(h.key),
        )

    @classmethod
    def of(cls, v: AssetView) -> AssetSummary:
        a = v.asset
        return cls(
            key=str(a.key),
            platform=a.key.platform,
            name=a.key.name,
            short_name=a.key.short_name,
            kind=a.kind.value,
            description=a.description,
            tags=list(a.tags),
            owner=v.owner.owner if v.owner else None,
            team=v.owner.team if v.owner else None,
            url=asset_path(a.key),
            api_url=api_asset_path(a.key),
        )


@lru_cache(maxsize=100_000)
def _summary_json(key: AssetKey, kind: str, description: str | None, tags: tuple[str, ...], owner: str | None,
                  team: str | None) -> bytes:
    hit = Hit(key, kind, description, tags, owner, team, 0)
    return AssetSummary.from_hit(hit).model_dump_json().encode()


def summary_json(hit: Hit) -> bytes:
    """``AssetSummary.from_hit(hit)`` as JSON, memoized: search results repeat the same assets."""
    return _summary_json(hit.key, hit.kind, hit.description, hit.tags, hit.owner, hit.team)


def page_json(items: list[bytes], total: int, limit: int, offset: int) -> bytes:
    """A :class:`~observer.api.paging.Page` body from already-serialized items."""
    return b'{"items":[' + b",".join(items) + f'],"total":{total},"limit":{limit},"offset":{offset}}}'.encode()


class AssetDetail(AssetSummary):
    source: str | None
    external_id: str | None
    code_path: str | None
    code: str | None
    row_count: int | None
    bytes: int | None
    last_altered: datetime | None
    columns: list[ColumnOut]
    ownership: OwnerOut | None = Field(description="resolved owner with provenance; null when nobody claims it")
    claims: list[ClaimOut]
    meta: dict[str, Any]

    @classmethod
    def of(cls, v: AssetView) -> AssetDetail:
        a = v.asset
        return cls(
            **AssetSummary.of(v).model_dump(),
            source=a.source,
            external_id=a.external_id,
            code_path=a.code_path,
            code=a.code,
            row_count=a.row_count,
            bytes=a.bytes,
            last_altered=a.last_altered,
            columns=[ColumnOut.of(c) for c in a.columns],
            ownership=OwnerOut.of(v.owner) if v.owner else None,
            claims=[ClaimOut.of(c) for c in v.claims],
            meta=a.meta,
        )
