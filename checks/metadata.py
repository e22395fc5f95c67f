"""Warehouse reads for checks, batched: many tables in few queries, metadata before scans.

* :func:`table_stats` — every table's row count (and PostgreSQL's cumulative write counter) in **one**
  catalog query: ``duckdb_tables()`` on DuckDB, ``pg_class`` + ``pg_stat_user_tables`` on PostgreSQL.
  SQLite keeps no statistics, so its counts are ``count(*)`` queries batched by ``UNION ALL``.
* :func:`table_columns` — every table's columns in one ``information_schema.columns`` read
  (``pragma_table_info`` joined to ``sqlite_master`` on SQLite).
* :func:`load_history` — rows per load (or per hour/day) of a timestamp column such as ``_loaded_at``,
  aggregated by the warehouse (``GROUP BY``), ``BATCH`` tables per ``UNION ALL`` query.

Table and column names come from the warehouse's catalog or from observer.yaml; they enter SQL only as
sqlglot identifiers (quoted), never by string formatting. Times we compute (``since``) are literals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection
from sqlglot import exp

from observer.model import Column

BATCH = 200
PERIODS = ("load", "hour", "day")
_TRUNC = {"load": "MINUTE", "hour": "HOUR", "day": "DAY"}
_SQLITE_TRUNC = {"load": "%Y-%m-%d %H:%M:00", "hour": "%Y-%m-%d %H:00:00", "day": "%Y-%m-%d 00:00:00"}


@dataclass(frozen=True, order=True)
class TableRef:
    catalog: str | None
    schema: str
    name: str

    @property
    def qualified(self) -> str:
        """``catalog.schema.name`` as written in the warehouse."""
        return ".".join(p for p in (self.catalog, self.schema, self.name) if p)

    def expression(self, dialect: str) -> exp.Table:
        catalog = None if dialect in ("sqlite", "postgres") else self.catalog
        schema = None if dialect == "sqlite" else self.schema
        return exp.table_(self.name, db=schema, catalog=catalog, quoted=True)


@dataclass(frozen=True)
class TableStats:
    table: TableRef
    row_count: int | None
    modifications: int | None = None
    """Cumulative inserted + updated + deleted rows (PostgreSQL): a change means a write happened."""
    last_altered: datetime | None = None


def utc(value: Any) -> datetime | None:
    """A warehouse timestamp as an aware UTC datetime (naive values are taken as UTC)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _rows(conn: Connection, query: exp.Expression | str, dialect: str) -> list[Any]:
    sql = query if isinstance(query, str) else query.sql(dialect=dialect)
    if conn.dialect.paramstyle in ("format", "pyformat"):
        sql = sql.replace("%", "%%")  # psycopg reads % as a placeholder even without parameters
    return list(conn.exec_driver_sql(sql).fetchall())


def table_stats(conn: Connection, dialect: str) -> list[TableStats]:
    """Every user table with its row count, in one catalog read where the warehouse has one."""
    if dialect == "duckdb":
        rows = _rows(
            conn,
            "SELECT database_name, schema_name, table_name, estimated_size FROM duckdb_tables() "
            "WHERE NOT internal AND NOT temporary",
            dialect,
        )
        return [TableStats(TableRef(r[0], r[1], r[2]), int(r[3]) if r[3] is not None else None) for r in rows]
    if dialect == "postgres":
        rows = _rows(
            conn,
            "SELECT current_database(), n.nspname, c.relname, "
            "COALESCE(s.n_live_tup, GREATEST(c.reltuples, 0))::bigint, "
            "(COALESCE(s.n_tup_ins, 0) + COALESCE(s.n_tup_upd, 0) + COALESCE(s.n_tup_del, 0))::bigint "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid "
            "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'",
            dialect,
        )
        return [TableStats(TableRef(r[0], r[1], r[2]), int(r[3]), int(r[4])) for r in rows]
    if dialect == "sqlite":
        names = [
            r[0]
            for r in _rows(
                conn,
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                dialect,
            )
        ]
        refs = [TableRef("main", "main", n) for n in names]
        counts = count_rows(conn, dialect, refs)
        return [TableStats(ref, counts.get(ref)) for ref in refs]
    raise NotImplementedError(f"no catalog reader for {dialect}")


def count_rows(conn: Connection, dialect: str, tables: Sequence[TableRef]) -> dict[TableRef, int]:
    """Exact ``count(*)`` of each table, ``BATCH`` tables per query."""
    out: dict[TableRef, int] = {}
    for start in range(0, len(tables), BATCH):
        chunk = tables[start : start + BATCH]
        selects = [
            exp.select(exp.Literal.number(i).as_("i"), exp.func("count", exp.Star()).as_("n")).from_(
                t.expression(dialect)
            )
            for i, t in enumerate(chunk)
        ]
        for i, n in _rows(conn, _union(selects), dialect):
            out[chunk[int(i)]] = int(n)
    return out


def _union(selects: Sequence[exp.Query]) -> exp.Query:
    query: exp.Query = selects[0]
    for s in selects[1:]:
        query = exp.union(query, s, distinct=False)
    return query


_COLUMNS = (
    "SELECT table_catalog, table_schema, table_name, column_name, data_type, ordinal_position "
    "FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
    "ORDER BY table_catalog, table_schema, table_name, ordinal_position"
)
_COLUMNS_DUCKDB = _COLUMNS.replace("ORDER BY", "AND table_catalog NOT IN ('system', 'temp') ORDER BY")


def table_columns(conn: Connection, dialect: str) -> dict[TableRef, list[Column]]:
    """Columns of every table and view, in one read."""
    if dialect == "sqlite":
        rows = _rows(
            conn,
            "SELECT 'main', 'main', m.name, p.name, p.type, p.cid FROM sqlite_master m "
            "JOIN pragma_table_info(m.name) p WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%' "
            "ORDER BY m.name, p.cid",
            dialect,
        )
    else:
        rows = _rows(conn, _COLUMNS_DUCKDB if dialect == "duckdb" else _COLUMNS, dialect)
    out: dict[TableRef, list[Column]] = {}
    for catalog, schema, table, name, data_type, position in rows:
        out.setdefault(TableRef(catalog, schema, table), []).append(
            Column(str(name), str(data_type).lower() if data_type else None, position=int(position))
        )
    return out


def _since_literal(since: datetime, dialect: str) -> exp.Expression:
    text = since.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    if dialect == "sqlite":
        return exp.Literal.string(text)
    return exp.cast(exp.Literal.string(text), exp.DataType.build("timestamp"))


def _bucket(column: exp.Column, period: str, dialect: str) -> exp.Expression:
    if dialect == "sqlite":
        return exp.func("strftime", exp.Literal.string(_SQLITE_TRUNC[period]), column)
    return exp.func("date_trunc", exp.Literal.string(_TRUNC[period].lower()), column)


def load_history(
    conn: Connection,
    dialect: str,
    tables: Iterable[tuple[TableRef, str]],
    *,
    since: datetime,
    period: str = "load",
) -> dict[TableRef, list[tuple[datetime, int]]]:
    """Rows per load (distinct minute of the column) or per hour/day, since ``since``, per table.

    ``tables`` pairs each table with its timestamp column. The warehouse aggregates; only one row per
    bucket comes back.
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")
    pairs = list(tables)
    out: dict[TableRef, list[tuple[datetime, int]]] = {t: [] for t, _ in pairs}
    lit = _since_literal(since, dialect)
    for start in range(0, len(pairs), BATCH):
        chunk = pairs[start : start + BATCH]
        selects = []
        for i, (table, column) in enumerate(chunk):
            col = exp.column(column, quoted=True)
            selects.append(
                exp.select(
                    exp.Literal.number(i).as_("i"),
                    _bucket(col, period, dialect).as_("ts"),
                    exp.func("count", exp.Star()).as_("n"),
                )
                .from_(table.expression(dialect))
                .where(exp.and_(col.is_(exp.null()).not_(), exp.GTE(this=col.copy(), expression=lit.copy())))
                .group_by(exp.Literal.number(2))
            )
        for i, ts, n in _rows(conn, _union(selects), dialect):
            when = utc(ts)
            if when is not None:
                out[chunk[int(i)][0]].append((when, int(n)))
    for series in out.values():
        series.sort()
    return out
