"""Idempotent upserts that work on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

BATCH = 500


def upsert(
    conn: Connection,
    table: Table,
    rows: Iterable[dict[str, Any]],
    *,
    keys: Sequence[str],
    update: Sequence[str] | None = None,
) -> int:
    """Insert ``rows``; on a conflict over ``keys`` update ``update`` columns (default: all others).

    ``update=()`` means insert-or-ignore. Returns the number of rows sent.
    """
    rows = list(rows)
    if not rows:
        return 0
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    columns = rows[0].keys()
    to_update = [c for c in columns if c not in keys] if update is None else list(update)
    # Several rows of one statement must not hit the same key on PostgreSQL: keep the last of each.
    deduped = list({tuple(r[k] for k in keys): r for r in rows}.values())
    # One statement executed over many parameter sets: SQLAlchemy batches them ("insertmanyvalues"),
    # which costs far less to compile than one multi-VALUES statement per chunk.
    stmt = insert(table)
    if to_update:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: stmt.excluded[c] for c in to_update}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    for start in range(0, len(deduped), BATCH * 10):
        conn.execute(stmt, deduped[start : start + BATCH * 10])
    return len(deduped)
