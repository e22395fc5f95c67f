"""An asset as the catalog shows it: the stored asset plus its resolved owner and why."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from observer.attribution.owners import ResolvedOwner, resolve_owner
from observer.model import Asset, AssetKey, Ownership
from observer.store.assets import SearchPage, get_asset, search_assets
from observer.store.ownership import claims_for, claims_for_many


@dataclass(frozen=True)
class AssetView:
    asset: Asset
    owner: ResolvedOwner | None
    claims: tuple[Ownership, ...] = ()

    @property
    def key(self) -> AssetKey:
        return self.asset.key


@dataclass(frozen=True)
class AssetSearch:
    items: list[AssetView]
    total: int


def load_asset(conn: Connection, key: AssetKey) -> AssetView | None:
    """The asset with every ownership claim on it and the one that wins (``None`` if unknown)."""
    asset = get_asset(conn, key)
    if asset is None:
        return None
    claims = claims_for(conn, key)
    return AssetView(asset, resolve_owner(claims), tuple(claims))


def find_assets(
    conn: Connection,
    query: str = "",
    *,
    platform: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> AssetSearch:
    """Search assets (see :func:`observer.store.assets.search_assets`) and resolve each one's owner."""
    page: SearchPage = search_assets(conn, query, platform=platform, kind=kind, limit=limit, offset=offset)
    claims = claims_for_many(conn, [a.key for a in page.items])
    return AssetSearch(
        [AssetView(a, resolve_owner(claims.get(a.key, ())), tuple(claims.get(a.key, ()))) for a in page.items],
        page.total,
    )
