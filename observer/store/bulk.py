"""Bulk writes for ingestion: a million rows in seconds on SQLite and PostgreSQL.

The ORM-free :func:`~observer.store.upsert.upsert` builds one multi-row statement per 500 rows,
which is right for catalog-sized writes. Query history is three orders of magnitude bigger, so this
module talks to the driver directly:

* **SQLite** — one prepared ``INSERT … ON CONFLICT DO UPDATE … WHERE <changed>`` run with
  ``executemany`` over plain tuples.
* **PostgreSQL** — ``COPY`` into a temporary table, then one ``INSERT … SELECT … ON CONFLICT``.

Both report how many rows were inserted or actually changed, so re-ingesting the same history
reports (and writes) nothing. Values are given as domain Python values (aware datetimes, dicts for
JSON columns) and converted here to what each backend stores, matching
:class:`~observer.store.tables.UTCDateTime` exactly so SQLAlchemy reads them back unchanged.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Connection, Table

from observer.store.tables import UTCDateTime

Row = tuple[Any, ...]


def _naive_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is UTC:
        return value.replace(tzinfo=None)
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} given to the store; pass UTC-aware times")
    if value.utcoffset():
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None)


def sqlite_time(value: datetime | None) -> str | None:
    """An aware datetime in the text form SQLAlchemy's SQLite ``DATETIME`` stores (UTC)."""
    if value is None:
        return None
    if value.tzinfo is UTC:  # the common case, one C call: "YYYY-MM-DD HH:MM:SS.ffffff" + "+00:00" cut off
        return value.isoformat(" ", "microseconds")[:26]
    naive = _naive_utc(value)
    return None if naive is None else naive.isoformat(" ", "microseconds")


def time_encoder(backend: str) -> Callable[[datetime | None], Any]:
    """How ``backend`` (a SQLAlchemy dialect name) stores an aware datetime in a ``UTCDateTime``
    column — for rows built already encoded and written with ``write_rows(..., encoded=True)``."""
    return sqlite_time if backend == "sqlite" else _naive_utc


class RawJson(str):
    """A value for a JSON column that is already encoded (e.g. one encoding shared by many rows)."""

    __slots__ = ()


def encode_json(value: Any) -> RawJson:
    return RawJson(json.dumps(value, separators=(",", ":"), sort_keys=True))


def _json(value: Any) -> str | None:
    if value is None or isinstance(value, RawJson):
        return value
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _converters(conn: Connection, table: Table, columns: Sequence[str]) -> list[tuple[int, Callable[[Any], Any]]]:
    sqlite = conn.dialect.name == "sqlite"
    out: list[tuple[int, Callable[[Any], Any]]] = []
    for i, name in enumerate(columns):
        col_type = table.c[name].type
        if isinstance(col_type, UTCDateTime):
            out.append((i, sqlite_time if sqlite else _naive_utc))
        elif isinstance(col_type, JSON) or getattr(col_type, "_type_affinity", None) is JSON:
            out.append((i, _json))
    return out


def _convert(rows: Sequence[Row], converters: list[tuple[int, Callable[[Any], Any]]]) -> list[Row]:
    if not converters:
        return list(rows)
    # Column-wise: transposing and mapping run in C, only the converter itself is Python.
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for i, f in converters:
        columns[i] = list(map(f, columns[i]))
    return list(zip(*columns, strict=True))


def write_rows(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Row],
    *,
    conflict: Sequence[str] = (),
    update: Sequence[str] | None = None,
    changed: Sequence[str] = (),
    keep: Sequence[str] = (),
    encoded: bool = False,
) -> int:
    """Insert ``rows`` (tuples in ``columns`` order); returns how many rows were inserted or changed.

    ``conflict`` names the unique key: a row whose key exists updates ``update`` (default: every
    non-key column), but only when one of ``changed`` differs from what is stored (default: any of
    ``update``). Columns in ``keep`` are never overwritten with NULL (a value another input set,
    e.g. a query's measured weight, survives re-reading a file that lacks it). Without ``conflict``
    rows are plainly inserted. ``encoded`` rows hold their values as stored already — times from
    :func:`time_encoder`, JSON as :class:`RawJson` or ``None`` — and are written as they are (a
    million-row history spent a tenth of its ingest re-encoding them here).
    """
    if not rows:
        return 0
    values = rows if encoded else _convert(rows, _converters(conn, table, columns))
    to_update = [c for c in columns if c not in conflict] if update is None else list(update)
    watch = list(changed) or to_update
    if conn.dialect.name == "postgresql":
        return _write_postgres(conn, table, columns, values, conflict, to_update, watch, keep)
    return _write_sqlite(conn, table, columns, values, conflict, to_update, watch, keep)


def _set_clause(table: str, update: Sequence[str], watch: Sequence[str], keep: Sequence[str], differ: str) -> str:
    t = _q(table)
    sets = ", ".join(
        f"{_q(c)} = COALESCE(excluded.{_q(c)}, {t}.{_q(c)})" if c in keep else f"{_q(c)} = excluded.{_q(c)}"
        for c in update
    )
    where = " OR ".join(
        f"(excluded.{_q(c)} IS NOT NULL AND {t}.{_q(c)} {differ} excluded.{_q(c)})"
        if c in keep
        else f"{t}.{_q(c)} {differ} excluded.{_q(c)}"
        for c in watch
    )
    return f"DO UPDATE SET {sets} WHERE {where}"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _write_sqlite(
    conn: Connection, table: Table, columns: Sequence[str], values: Sequence[Row],
    conflict: Sequence[str], update: Sequence[str], watch: Sequence[str], keep: Sequence[str],
) -> int:
    cols = ", ".join(_q(c) for c in columns)
    marks = ", ".join("?" for _ in columns)
    # Identifiers below come from the Table metadata, never from input; values are bound.
    sql = f"INSERT INTO {_q(table.name)} ({cols}) VALUES ({marks})"  # noqa: S608
    if conflict:
        keys = ", ".join(_q(c) for c in conflict)
        if update:
            sql += f" ON CONFLICT ({keys}) {_set_clause(table.name, update, watch, keep, 'IS NOT')}"
        else:
            sql += f" ON CONFLICT ({keys}) DO NOTHING"
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, values)
        return int(cursor.rowcount)
    finally:
        cursor.close()


def _write_postgres(
    conn: Connection, table: Table, columns: Sequence[str], values: Sequence[Row],
    conflict: Sequence[str], update: Sequence[str], watch: Sequence[str], keep: Sequence[str],
) -> int:
    cols = ", ".join(_q(c) for c in columns)
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:  # type: ignore[union-attr]
        if not conflict:
            with cur.copy(f"COPY {_q(table.name)} ({cols}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return len(values)
        tmp = _q(f"_bulk_{table.name}_{zlib.crc32(cols.encode()):08x}")
        cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {tmp} AS SELECT {cols} FROM {_q(table.name)} WITH NO DATA")  # noqa: S608
        cur.execute(f"TRUNCATE {tmp}")
        with cur.copy(f"COPY {tmp} ({cols}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
        keys = ", ".join(_q(c) for c in conflict)
        # Keep one row per key (the last one sent), as executemany would end up with on SQLite.
        sql = (
            f"INSERT INTO {_q(table.name)} ({cols}) SELECT DISTINCT ON ({keys}) {cols} FROM "  # noqa: S608
            f"(SELECT *, row_number() OVER () AS _n FROM {tmp}) AS s ORDER BY {keys}, _n DESC"
        )
        if update:
            sql += f" ON CONFLICT ({keys}) {_set_clause(table.name, update, watch, keep, 'IS DISTINCT FROM')}"
        else:
            sql += f" ON CONFLICT ({keys}) DO NOTHING"
        cur.execute(sql)
        return int(cur.rowcount)
