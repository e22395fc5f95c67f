"""DuckDB I/O: the catalog of a database file (read-only) and snapshot files written beside it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from collectors.duckdb.config import DuckDBConfig
from observer.errors import InputError, TerminalSourceError, TransientSourceError

SYSTEM_SCHEMAS = ("information_schema", "pg_catalog")


class DuckDBClient:
    def __init__(self, config: DuckDBConfig, base_dir: Path) -> None:
        self.config = config
        path = config.path if config.path.is_absolute() else base_dir / config.path
        self.path = path
        self.snapshot_dir = (
            None
            if config.schema_snapshots is None
            else (config.schema_snapshots if config.schema_snapshots.is_absolute() else base_dir / config.schema_snapshots)
        )

    def catalog(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], dict[tuple[str, str], int]]:
        """``(tables, columns, row counts)``: tables as (catalog, schema, name, type, comment),
        columns as (catalog, schema, table, column, position, type, comment)."""
        import duckdb

        if not self.path.exists():
            raise InputError("DuckDB file not found", file=str(self.path))
        try:
            con = duckdb.connect(str(self.path), read_only=True)
        except duckdb.IOException as exc:  # locked by a writer: try again later
            raise TransientSourceError(f"cannot open {self.path.name}: {str(exc).splitlines()[0]}") from None
        except duckdb.Error as exc:
            raise TerminalSourceError(f"cannot open {self.path.name}: {str(exc).splitlines()[0]}") from None
        try:
            catalog = con.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
            wanted = [s.lower() for s in self.config.schemas]
            params: list[Any] = [catalog, *wanted]

            def where(t: str) -> str:
                clause = f"{t}.table_catalog = ? AND {t}.table_schema NOT IN ('information_schema', 'pg_catalog')"
                if wanted:
                    clause += f" AND lower({t}.table_schema) IN (" + ", ".join("?" for _ in wanted) + ")"
                return clause

            comments = {
                (s, n): c
                for s, n, c in con.execute(
                    "SELECT schema_name, table_name, comment FROM duckdb_tables() WHERE database_name = ? "
                    "UNION ALL SELECT schema_name, view_name, comment FROM duckdb_views() WHERE database_name = ? AND NOT internal",
                    [catalog, catalog],
                ).fetchall()
            }
            tables = [
                (c, s, n, t, comments.get((s, n)))
                for c, s, n, t in con.execute(
                    "SELECT t.table_catalog, t.table_schema, t.table_name, t.table_type "  # noqa: S608 - placeholders only
                    f"FROM information_schema.tables t WHERE {where('t')} "
                    "ORDER BY 2, 3",
                    params,
                ).fetchall()
            ]
            columns = con.execute(
                "SELECT c.table_catalog, c.table_schema, c.table_name, c.column_name, c.ordinal_position, c.data_type, d.comment "  # noqa: S608 - placeholders only
                "FROM information_schema.columns c LEFT JOIN duckdb_columns() d ON d.database_name = c.table_catalog "
                "AND d.schema_name = c.table_schema AND d.table_name = c.table_name AND d.column_name = c.column_name "
                f"WHERE {where('c')} "
                "ORDER BY 2, 3, 5",
                params,
            ).fetchall()
            counts: dict[tuple[str, str], int] = {}
            if self.config.row_counts:
                for s, n, size in con.execute(
                    "SELECT schema_name, table_name, estimated_size FROM duckdb_tables() WHERE database_name = ?", [catalog]
                ).fetchall():
                    counts[(s, n)] = int(size)
            return tables, columns, counts
        finally:
            con.close()

    @property
    def catalog_name(self) -> str:
        return self.config.database or self.path.stem

    def snapshot_files(self) -> list[tuple[str, dict[str, Any]]]:
        """Snapshot files in the configured folder, as ``(file name, JSON)``, in name order."""
        if self.snapshot_dir is None:
            return []
        if not self.snapshot_dir.is_dir():
            raise InputError("schema snapshot folder not found", file=str(self.snapshot_dir))
        out = []
        for path in sorted(self.snapshot_dir.glob("*.json")):
            try:
                out.append((path.name, json.loads(path.read_text(encoding="utf-8"))))
            except json.JSONDecodeError as exc:
                raise InputError(f"not JSON: {exc.msg}", file=path.name, line=exc.lineno) from None
        return out
