"""DuckDB catalog rows and snapshot files → assets and schema snapshots (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from observer import fields as f
from observer.model import Asset, AssetKey, AssetKind, Column

_KINDS = {"BASE TABLE": AssetKind.TABLE, "VIEW": AssetKind.VIEW, "LOCAL TEMPORARY": AssetKind.TABLE}


def asset_key(platform: str, database: str, schema: str, name: str) -> AssetKey:
    """``platform://database.schema.name``; DuckDB names keep their case only when it matters."""
    quoted = ".".join('"' + p.replace('"', '""') + '"' for p in (database, schema, name))
    return AssetKey.of(platform, quoted, "duckdb")


def catalog_assets(
    tables: Iterable[tuple[Any, ...]],
    columns: Iterable[tuple[Any, ...]],
    row_counts: Mapping[tuple[str, str], int],
    *,
    platform: str,
    database: str,
    source: str,
) -> list[Asset]:
    """Tables as (catalog, schema, name, type, comment); columns as (catalog, schema, table, column,
    position, type, comment); row counts by (schema, table)."""
    by_table: dict[tuple[str, str], list[Column]] = {}
    for _, schema, table, name, position, data_type, comment in columns:
        by_table.setdefault((schema, table), []).append(Column(name, data_type, comment, int(position)))
    return [
        Asset(
            key=asset_key(platform, database, schema, name),
            kind=_KINDS.get(str(kind).upper(), AssetKind.TABLE),
            description=comment or None,
            columns=tuple(by_table.get((schema, name), ())),
            source=source,
            row_count=row_counts.get((schema, name)),
        )
        for _, schema, name, kind, comment in tables
    ]


def snapshot_columns(
    snapshot: Mapping[str, Any], *, platform: str, database: str, file: str
) -> tuple[datetime, list[tuple[AssetKey, tuple[Column, ...]]]]:
    """One catalog snapshot file → its capture time and each table's columns.

    Shape: ``{"captured_at": ISO time, "database": name?, "tables": [{"schema", "name", "columns":
    [{"name", "type", "ordinal"}]}]}``; a malformed file raises :class:`~observer.fields.FieldError`.
    """
    captured = f.timestamp(snapshot.get("captured_at"), f"{file} captured_at")
    db = str(snapshot.get("database") or database)
    out = []
    for i, table in enumerate(snapshot.get("tables") or ()):
        try:
            cols = tuple(
                Column(str(c["name"]), c.get("type") or c.get("data_type"), position=int(c.get("ordinal") or c.get("position") or n + 1))
                for n, c in enumerate(table["columns"])
            )
            out.append((asset_key(platform, db, str(table["schema"]), str(table["name"])), cols))
        except (KeyError, TypeError, ValueError) as exc:
            raise f.FieldError(f"tables[{i}]", f"{file}: not a table snapshot ({exc})") from None
    return captured, out
