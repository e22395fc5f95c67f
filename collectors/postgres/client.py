"""PostgreSQL I/O: server log files (read incrementally by byte offset) and the live server
(catalog, pg_stat_statements) through psycopg."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from collectors.postgres.config import PostgresConfig
from collectors.postgres.parse import OWN_APPLICATION, csvlog_record, jsonlog_record
from observer.dbapi import classify
from observer.errors import ConfigError, InputError

Records = list[tuple[int, dict[str, Any] | str]]
"""``(line, record)`` pairs; a string instead of a record describes a line that could not be read."""


def log_files(config: PostgresConfig, base_dir: Path) -> tuple[str, list[Path]]:
    """The log files to read and their format (``csvlog`` or ``jsonlog``), oldest name first."""
    assert config.log_path is not None
    path = config.log_path if config.log_path.is_absolute() else base_dir / config.log_path
    if path.is_dir():
        csvs, jsons = sorted(path.glob("*.csv")), sorted(path.glob("*.json"))
    elif any(ch in str(path) for ch in "*?["):
        found = sorted(path.parent.glob(path.name))
        csvs, jsons = [p for p in found if p.suffix == ".csv"], [p for p in found if p.suffix == ".json"]
    elif path.exists():
        csvs, jsons = ([path], []) if path.suffix != ".json" else ([], [path])
    else:
        raise InputError("log file or folder not found", file=str(path))
    fmt = config.log_format
    if fmt == "auto":
        fmt = "csvlog" if csvs else "jsonlog"
    return fmt, csvs if fmt == "csvlog" else jsons


def _complete_records(data: bytes, csv_quotes: bool) -> tuple[list[bytes], int]:
    """Split ``data`` into complete records (CSV records may span lines inside quotes); returns them
    and the number of bytes they cover (a half-written last record is left for the next read)."""
    out: list[bytes] = []
    start = pos = 0
    inside = False
    while True:
        nl = data.find(b"\n", pos)
        if nl < 0:
            return out, start
        if csv_quotes:
            inside ^= data.count(b'"', pos, nl) % 2 == 1
        pos = nl + 1
        if not inside:
            out.append(data[start:nl])
            start = pos


def read_log(path: Path, offset: int, fmt: str, batch_size: int, first_line: int = 1) -> Iterator[tuple[int, int, Records]]:
    """Records of ``path`` after byte ``offset``, in batches: ``(end offset, next line number, records)``.

    A file shorter than ``offset`` was rotated or truncated and is read from the start.
    """
    size = path.stat().st_size
    if size < offset:
        offset, first_line = 0, 1
    with path.open("rb") as fh:
        fh.seek(offset)
        data = fh.read()
    chunks, used = _complete_records(data, fmt == "csvlog")
    line = first_line
    batch: Records = []
    consumed = offset
    for chunk in chunks:
        consumed += len(chunk) + 1
        text = chunk.decode("utf-8", errors="replace")
        if fmt == "csvlog":
            try:
                values = next(csv.reader(io.StringIO(text)))
                batch.append((line, csvlog_record(values)))
            except (csv.Error, StopIteration) as exc:
                batch.append((line, f"unreadable csvlog record: {exc}"))
        elif text.strip():
            try:
                obj = json.loads(text)
                batch.append((line, jsonlog_record(obj) if isinstance(obj, dict) else "expected a JSON object"))
            except json.JSONDecodeError as exc:
                batch.append((line, f"not JSON: {exc.msg}"))
        line += text.count("\n") + 1
        if len(batch) >= batch_size:
            yield consumed, line, batch
            batch = []
    if batch or consumed != offset:
        yield offset + used, line, batch


class PostgresClient:
    """The live server: catalog and pg_stat_statements (psycopg, read-only statements)."""

    def __init__(self, config: PostgresConfig) -> None:
        if config.url is None:
            raise ConfigError("a url is needed to read the catalog or pg_stat_statements", path="url")
        self.config = config
        self._conn: Any = None

    @property
    def conn(self) -> Any:
        if self._conn is None:
            import psycopg

            try:
                self._conn = psycopg.connect(
                    self.config.url.get_secret_value(),  # type: ignore[union-attr]
                    autocommit=True,
                    application_name=OWN_APPLICATION,
                )
            except psycopg.Error as exc:
                raise classify(exc, "connecting to PostgreSQL") from None
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        import psycopg
        from psycopg.rows import dict_row

        try:
            with self.conn.cursor(row_factory=dict_row) as cur:
                cur.execute(sql, params)
                return list(cur.fetchall())
        except psycopg.Error as exc:
            raise classify(exc, "reading PostgreSQL") from None

    def database(self) -> str:
        return str(self._all("SELECT current_database() AS db")[0]["db"])

    def tables(self) -> list[dict[str, Any]]:
        schemas = [s for s in self.config.schemas] or None
        return self._all(
            """
            SELECT t.table_schema, t.table_name, t.table_type,
                   obj_description(format('%%I.%%I', t.table_schema, t.table_name)::regclass, 'pg_class') AS comment,
                   s.n_live_tup, pg_total_relation_size(format('%%I.%%I', t.table_schema, t.table_name)::regclass) AS bytes,
                   greatest(s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze) AS last_maintained
            FROM information_schema.tables t
            LEFT JOIN pg_stat_user_tables s ON s.schemaname = t.table_schema AND s.relname = t.table_name
            WHERE t.table_schema NOT IN ('pg_catalog', 'information_schema') AND t.table_schema NOT LIKE 'pg_toast%%'
              AND (%s::text[] IS NULL OR t.table_schema = ANY(%s::text[]))
            ORDER BY 1, 2
            """,
            (schemas, schemas),
        )

    def columns(self) -> list[dict[str, Any]]:
        schemas = [s for s in self.config.schemas] or None
        return self._all(
            """
            SELECT c.table_schema, c.table_name, c.column_name, c.ordinal_position, c.data_type,
                   col_description(format('%%I.%%I', c.table_schema, c.table_name)::regclass, c.ordinal_position) AS comment
            FROM information_schema.columns c
            WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema') AND c.table_schema NOT LIKE 'pg_toast%%'
              AND (%s::text[] IS NULL OR c.table_schema = ANY(%s::text[]))
            ORDER BY 1, 2, 4
            """,
            (schemas, schemas),
        )

    def stat_statements(self) -> tuple[list[dict[str, Any]], Any]:
        """Top-level statements' cumulative counters, and when the counters were last reset."""
        rows = self._all(
            """
            SELECT d.datname, r.rolname AS user_name, s.queryid, s.query, s.calls, s.total_exec_time, s.rows
            FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid JOIN pg_roles r ON r.oid = s.userid
            WHERE s.toplevel AND s.queryid IS NOT NULL
            """
        )
        reset = self._all("SELECT stats_reset FROM pg_stat_statements_info")
        return rows, (reset[0]["stats_reset"] if reset else None)
