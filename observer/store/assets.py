"""Assets and their columns: rows <-> :class:`~observer.model.Asset`, search and name lookup."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, delete, func, or_, select, update

from observer.identifiers import normalize_qualified_name
from observer.model import Asset, AssetKey, AssetKind, Column
from observer.store.tables import asset_columns, assets, catalog_edits, ownerships
from observer.store.upsert import upsert

# Fields a collector may leave unset without wiping what another collector said.
_MERGEABLE = ("description", "source", "external_id", "code_path", "code", "row_count", "bytes", "last_altered")


def _asset_row(asset: Asset, now: datetime) -> dict[str, Any]:
    return {
        "key": str(asset.key),
        "platform": asset.key.platform,
        "name": asset.key.name,
        "short_name": asset.key.short_name,
        "kind": asset.kind.value,
        "description": asset.description,
        "tags": sorted(set(asset.tags)),
        "source": asset.source,
        "external_id": asset.external_id,
        "code_path": asset.code_path,
        "code": asset.code,
        "row_count": asset.row_count,
        "bytes": asset.bytes,
        "last_altered": asset.last_altered,
        "meta": asset.meta,
        "first_seen": now,
        "updated_at": now,
    }


def to_asset(row: Row[Any], columns: Sequence[Column] = ()) -> Asset:
    m = row._mapping
    return Asset(
        key=AssetKey(m["platform"], m["name"]),
        kind=AssetKind(m["kind"]),
        description=m["description"],
        columns=tuple(columns),
        tags=tuple(m["tags"] or ()),
        source=m["source"],
        external_id=m["external_id"],
        code_path=m["code_path"],
        code=m["code"],
        row_count=m["row_count"],
        bytes=m["bytes"],
        last_altered=m["last_altered"],
        meta=dict(m["meta"] or {}),
    )


def upsert_assets(conn: Connection, items: Iterable[Asset], now: datetime) -> int:
    """Insert or merge assets. Unset fields keep their stored value; columns are replaced when given.

    Re-running with the same input leaves every row as it was except ``updated_at``.
    """
    items = list(items)
    if not items:
        return 0
    keys = [str(a.key) for a in items]
    existing = {
        r._mapping["key"]: r
        for start in range(0, len(keys), 500)
        for r in conn.execute(select(assets).where(assets.c.key.in_(keys[start : start + 500])))
    }
    edited = _edited_descriptions(conn, keys)
    rows = []
    for asset in items:
        row = _asset_row(asset, now)
        row["meta"] = {**row["meta"], _COLUMNS_RANK: _column_rank(asset)}
        if _column_rank(asset) == 1 and asset.description:
            row["meta"][_DOCUMENTED] = True  # the docs side (dbt …) describes it; a table comment does not override
        if row["key"] in edited:
            row["description"] = edited[row["key"]]  # a catalog edit wins over every collector
        old = existing.get(row["key"])
        if old is not None:
            o = old._mapping
            row["first_seen"] = o["first_seen"]
            stored_rank = int((o["meta"] or {}).get(_COLUMNS_RANK, 0))
            documented = bool((o["meta"] or {}).get(_DOCUMENTED))
            for f in _MERGEABLE:
                keep_stats = f in _CATALOG_STATS and _column_rank(asset) < stored_rank
                keep_docs = f not in _CATALOG_STATS and documented and _column_rank(asset) > 1
                if row[f] is None or ((keep_stats or keep_docs) and o[f] is not None):
                    row[f] = o[f]
            if documented:
                row["meta"][_DOCUMENTED] = True
            row["tags"] = sorted(set(row["tags"]) | set(o["tags"] or ()))
            row["meta"] = {**(o["meta"] or {}), **row["meta"]}
            row["meta"][_COLUMNS_RANK] = max(_column_rank(asset), stored_rank)
            if asset.kind in _WAREHOUSE_KINDS and o["kind"] not in _WAREHOUSE_KIND_VALUES:
                row["kind"] = o["kind"]  # a warehouse table or view does not demote a dbt model
            if _same(o, row):
                continue
        rows.append(row)
    upsert(conn, assets, rows, keys=["key"])
    with_columns = [a for a in items if a.columns]
    if with_columns:
        ids = asset_ids(conn, [a.key for a in with_columns])
        for asset in with_columns:
            old = existing.get(str(asset.key))
            stored_rank = int(((old._mapping["meta"] or {}) if old is not None else {}).get(_COLUMNS_RANK, 0))
            if _column_rank(asset) >= stored_rank:
                _replace_columns(conn, ids[asset.key], asset.columns)
            else:
                _fill_column_descriptions(conn, ids[asset.key], asset.columns)
    return len(rows)


# Which source decides an asset's columns. The warehouse's own catalog (tables and views as the
# warehouse reports them) says which columns exist and their types; documentation-side sources (dbt's
# catalog.json written at docs-generate time, OpenLineage schema facets) only add descriptions to
# them. Without this, two sources that disagree (a column renamed since `dbt docs generate`) would
# rewrite each other's columns on every ingest.
_COLUMNS_RANK = "columns_rank"
# Table statistics follow the same rule: the live catalog's row count beats a docs-time snapshot.
_CATALOG_STATS = ("row_count", "bytes", "last_altered")
# And the reverse for descriptions, code and ids: once the docs side has described an asset, a
# warehouse table comment does not overwrite it.
_DOCUMENTED = "documented"
_WAREHOUSE_KINDS = (AssetKind.TABLE, AssetKind.VIEW)
_WAREHOUSE_KIND_VALUES = {k.value for k in _WAREHOUSE_KINDS}


def _column_rank(asset: Asset) -> int:
    explicit = asset.meta.get(_COLUMNS_RANK)
    if isinstance(explicit, int):
        return explicit
    return 2 if asset.kind in _WAREHOUSE_KINDS else 1


def _fill_column_descriptions(conn: Connection, asset_id: int, columns: Sequence[Column]) -> None:
    described = {c.name: c.description for c in columns if c.description}
    if not described:
        return
    current = conn.execute(
        select(asset_columns.c.name).where(asset_columns.c.asset_id == asset_id, asset_columns.c.description.is_(None))
    ).scalars()
    for name in current:
        if name in described:
            conn.execute(
                update(asset_columns)
                .where(asset_columns.c.asset_id == asset_id, asset_columns.c.name == name)
                .values(description=described[name])
            )


def _edited_descriptions(conn: Connection, keys: list[str]) -> dict[str, str | None]:
    """Descriptions set by hand in the catalog (``catalog_edits``), which re-ingestion must keep."""
    out: dict[str, str | None] = {}
    for start in range(0, len(keys), 500):
        stmt = select(catalog_edits.c.asset_key, catalog_edits.c.value).where(
            catalog_edits.c.field == "description", catalog_edits.c.asset_key.in_(keys[start : start + 500])
        )
        out.update({r.asset_key: r.value for r in conn.execute(stmt)})
    return out


def _same(old: Any, row: dict[str, Any]) -> bool:
    return all(old[k] == v for k, v in row.items() if k not in ("updated_at", "first_seen"))


def _replace_columns(conn: Connection, asset_id: int, columns: Sequence[Column]) -> None:
    current = {
        r.name: (r.position, r.data_type, r.description)
        for r in conn.execute(select(asset_columns).where(asset_columns.c.asset_id == asset_id))
    }
    wanted = {
        c.name: (c.position if c.position is not None else i, c.data_type, c.description)
        for i, c in enumerate(columns)
    }
    if current == wanted:
        return
    conn.execute(delete(asset_columns).where(asset_columns.c.asset_id == asset_id))
    conn.execute(
        asset_columns.insert(),
        [
            {"asset_id": asset_id, "name": n, "position": p, "data_type": t, "description": d}
            for n, (p, t, d) in wanted.items()
        ],
    )


def asset_ids(conn: Connection, keys: Iterable[AssetKey]) -> dict[AssetKey, int]:
    wanted = {str(k): k for k in keys}
    out: dict[AssetKey, int] = {}
    names = list(wanted)
    for start in range(0, len(names), 500):
        for r in conn.execute(select(assets.c.id, assets.c.key).where(assets.c.key.in_(names[start : start + 500]))):
            out[wanted[r.key]] = r.id
    return out


def get_asset(conn: Connection, key: AssetKey) -> Asset | None:
    row = conn.execute(select(assets).where(assets.c.key == str(key))).first()
    if row is None:
        return None
    cols = [
        Column(r.name, r.data_type, r.description, r.position)
        for r in conn.execute(
            select(asset_columns).where(asset_columns.c.asset_id == row.id).order_by(asset_columns.c.position)
        )
    ]
    return to_asset(row, cols)


@dataclass(frozen=True)
class SearchPage:
    items: list[Asset]
    total: int


def search_assets(
    conn: Connection,
    query: str = "",
    *,
    platform: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> SearchPage:
    """Search names, descriptions, column names and owners; exact and prefix name matches first."""
    conds = []
    if platform:
        conds.append(assets.c.platform == platform)
    if kind:
        conds.append(assets.c.kind == kind)
    q = query.strip().lower()
    rank = None
    if q:
        needle = normalize_search(q)
        like = f"%{_escape_like(needle)}%"
        col_match = select(asset_columns.c.asset_id).where(func.lower(asset_columns.c.name).like(like, escape="\\"))
        owner_match = select(ownerships.c.asset_key).where(func.lower(ownerships.c.owner).like(like, escape="\\"))
        conds.append(
            or_(
                assets.c.name.like(like, escape="\\"),
                func.lower(assets.c.description).like(like, escape="\\"),
                assets.c.id.in_(col_match),
                assets.c.key.in_(owner_match),
            )
        )
        from sqlalchemy import case

        rank = case(
            (assets.c.short_name == needle, 0),
            (assets.c.name == needle, 0),
            (assets.c.name.like(f"%.{_escape_like(needle)}", escape="\\"), 1),
            (assets.c.short_name.like(f"{_escape_like(needle)}%", escape="\\"), 2),
            (assets.c.name.like(like, escape="\\"), 3),
            else_=4,
        )
    where = and_(*conds) if conds else None
    base = select(assets)
    count = select(func.count()).select_from(assets)
    if where is not None:
        base, count = base.where(where), count.where(where)
    order = [rank, assets.c.name] if rank is not None else [assets.c.name]
    rows = conn.execute(base.order_by(*order).limit(limit).offset(offset)).all()
    total = conn.execute(count).scalar_one()
    return SearchPage([to_asset(r) for r in rows], int(total))


def normalize_search(text: str) -> str:
    """Strip quotes/backticks/brackets so ``"ANALYTICS"."MARTS"."ORDERS"`` searches as ``analytics.marts.orders``."""
    return text.strip().lower().replace('"', "").replace("`", "").replace("[", "").replace("]", "")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def lookup_assets(conn: Connection, table: str, platform: str | None = None) -> list[Asset]:
    """Every asset a user-typed table name may mean, best first.

    Accepts any spelling: quoted, upper-case, partially qualified (``orders``, ``marts.orders``,
    ``ANALYTICS.MARTS."ORDERS"``) or a full key (``snowflake://…``). A fully matching name wins; a
    partial name returns all assets whose name ends with it (several = ambiguous).
    """
    text = table.strip()
    if "://" in text:
        key = AssetKey.parse(text)
        found = get_asset(conn, key)
        return [found] if found else []
    candidates: list[str] = []
    for dialect in (platform, None):
        try:
            candidates.append(normalize_qualified_name(text, dialect))
        except ValueError:
            return []
    candidates.append(normalize_search(text))
    names = list(dict.fromkeys(candidates))
    base = select(assets)
    if platform:
        base = base.where(assets.c.platform == platform)
    exact = conn.execute(base.where(assets.c.name.in_(names)).order_by(assets.c.key)).all()
    if exact:
        return [to_asset(r) for r in exact]
    conds = [or_(assets.c.name.like(f"%.{_escape_like(n)}", escape="\\"), assets.c.short_name == n) for n in names]
    rows = conn.execute(base.where(or_(*conds)).order_by(assets.c.key).limit(50)).all()
    return [to_asset(r) for r in rows]


def count_assets(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(assets)).scalar_one())
