"""Schema snapshots: the columns of an asset as seen at one time, stored only when they change.

Anything that reads a warehouse catalog (the schema check, a warehouse collector, snapshot files)
records with :func:`record_snapshots`; a snapshot whose digest equals the asset's latest one is not
stored again, so the table holds one row per *version* of each schema.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select

from observer.model import AssetKey, Column
from observer.store.tables import schema_snapshots

_CHUNK = 500


@dataclass(frozen=True)
class SchemaSnapshot:
    asset: AssetKey
    taken_at: datetime
    columns: tuple[Column, ...]
    digest: str


def digest_of(columns: Sequence[Column]) -> str:
    """Stable digest of names, types and order (case-insensitive names)."""
    body = [[c.name.lower(), (c.data_type or "").lower(), c.position] for c in columns]
    return hashlib.sha256(json.dumps(body).encode()).hexdigest()


def _columns(raw: list[dict[str, Any]]) -> tuple[Column, ...]:
    return tuple(Column(c["name"], c.get("data_type"), position=c.get("position")) for c in raw)


def latest_snapshots(
    conn: Connection, keys: Sequence[AssetKey], *, versions: int = 2
) -> dict[AssetKey, list[SchemaSnapshot]]:
    """The newest ``versions`` snapshots of each asset, newest first."""
    by_text = {str(k): k for k in keys}
    names = list(by_text)
    out: dict[AssetKey, list[SchemaSnapshot]] = {}
    for start in range(0, len(names), _CHUNK):
        chunk = names[start : start + _CHUNK]
        ranked = (
            select(
                schema_snapshots,
                func.row_number()
                .over(
                    partition_by=schema_snapshots.c.asset_key,
                    order_by=[schema_snapshots.c.taken_at.desc(), schema_snapshots.c.id.desc()],
                )
                .label("rn"),
            )
            .where(schema_snapshots.c.asset_key.in_(chunk))
            .subquery()
        )
        stmt = select(ranked).where(ranked.c.rn <= versions).order_by(ranked.c.asset_key, ranked.c.rn)
        for r in conn.execute(stmt):
            key = by_text[r.asset_key]
            out.setdefault(key, []).append(SchemaSnapshot(key, r.taken_at, _columns(r.columns), r.digest))
    return out


def record_snapshots(
    conn: Connection, snapshots: Iterable[tuple[AssetKey, Sequence[Column]]], taken_at: datetime
) -> int:
    """Store each asset's columns unless they equal its latest snapshot; returns how many were new."""
    items = list(snapshots)
    latest = latest_snapshots(conn, [k for k, _ in items], versions=1)
    rows = []
    for key, columns in items:
        digest = digest_of(columns)
        current = latest.get(key)
        if current and current[0].digest == digest:
            continue
        rows.append(
            {
                "asset_key": str(key),
                "taken_at": taken_at,
                "columns": [
                    {"name": c.name, "data_type": c.data_type, "position": c.position} for c in columns
                ],
                "digest": digest,
            }
        )
    for start in range(0, len(rows), _CHUNK):
        conn.execute(schema_snapshots.insert(), rows[start : start + _CHUNK])
    return len(rows)


def snapshot_history(conn: Connection, key: AssetKey, *, limit: int = 50) -> list[SchemaSnapshot]:
    stmt = (
        select(schema_snapshots)
        .where(and_(schema_snapshots.c.asset_key == str(key)))
        .order_by(schema_snapshots.c.taken_at.desc(), schema_snapshots.c.id.desc())
        .limit(limit)
    )
    return [SchemaSnapshot(key, r.taken_at, _columns(r.columns), r.digest) for r in conn.execute(stmt)]
