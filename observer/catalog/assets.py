"""An asset as the catalog shows it: the stored asset plus its resolved owner and why."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from observer.attribution.owners import ResolvedOwner, resolve_owner
from observer.model import Asset, AssetKey, Ownership
from observer.store.catalog import NodeFacts, asset_detail


@dataclass(frozen=True)
class AssetView:
    asset: Asset
    owner: ResolvedOwner | None
    claims: tuple[Ownership, ...] = ()

    @property
    def key(self) -> AssetKey:
        return self.asset.key

    @property
    def facts(self) -> NodeFacts:
        """The asset's kind and claims as its lineage graph's root node needs them."""
        return NodeFacts({self.key: str(self.asset.kind.value)}, {self.key: list(self.claims)} if self.claims else {})


def load_asset(conn: Connection, key: AssetKey) -> AssetView | None:
    """The asset with every ownership claim on it and the one that wins (``None`` if unknown)."""
    found = asset_detail(conn, key)
    if found is None:
        return None
    asset, claims = found
    return AssetView(asset, resolve_owner(claims), tuple(claims))
