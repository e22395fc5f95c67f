"""Asset keys in URLs.

Pages use ``/assets/<platform>/<name>`` (no ``://`` in a path); the API accepts that form and the
key's own form (``/api/v1/assets/snowflake://analytics.marts.orders``, also URL-encoded). Names are
normalized for the platform either way, so ``ANALYTICS.MARTS.ORDERS`` finds ``analytics.marts.orders``.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

from observer.api.errors import BadRequest
from observer.model import AssetKey


def key_from_path(text: str) -> AssetKey:
    """Parse ``platform://name`` or ``platform/name`` into an :class:`AssetKey`."""
    text = text.strip()
    try:
        if "://" in text:
            return AssetKey.parse(text)
        platform, sep, name = text.partition("/")
        if not sep or not platform or not name:
            raise ValueError(text)
        return AssetKey.of(platform, name)
    except ValueError:
        raise BadRequest(f"{text!r} is not an asset key; expected platform://name or platform/name") from None


@lru_cache(maxsize=65536)
def asset_path(key: AssetKey) -> str:
    """The catalog page of an asset, e.g. ``/assets/snowflake/analytics.marts.orders``."""
    return f"/assets/{quote(key.platform, safe='')}/{quote(key.name, safe='.')}"


@lru_cache(maxsize=65536)
def api_asset_path(key: AssetKey) -> str:
    return f"/api/v1/assets/{quote(key.platform, safe='')}/{quote(key.name, safe='.')}"
