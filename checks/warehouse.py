"""Which warehouse a check reads, and how to open it.

A check names a configured source (``source: warehouse``) or gives a SQLAlchemy URL (``url:``); with
neither, the only warehouse-type source in observer.yaml is used. The asset platform comes from the
source's ``platform`` (the demo's DuckDB file plays Snowflake) or its type.

DuckDB is opened through a dialect registered here, ``duckdb+observer``: DuckDB keeps one result per
connection and SQLAlchemy's rollback on connection release discards it, so a caller that fetches after
releasing the connection (Great Expectations does) gets no rows. Checks only read, so this dialect
leaves DuckDB in its own autocommit mode instead of wrapping reads in transactions.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import Engine, create_engine
from sqlalchemy.dialects import registry
from sqlalchemy.engine import make_url

from observer.config import PluginEntry, Settings
from observer.errors import ConfigError
from observer.store.engine import normalize_url

WAREHOUSE_TYPES = (
    "duckdb",
    "postgres",
    "postgresql",
    "sqlite",
    "snowflake",
    "bigquery",
    "redshift",
    "databricks",
)
_SQLGLOT_DIALECT = {"postgresql": "postgres", "postgres": "postgres", "duckdb": "duckdb", "sqlite": "sqlite"}

registry.register("duckdb.observer", "checks.warehouse", "AutocommitDuckDBDialect")


def _duckdb_dialect() -> type:
    from duckdb_engine import Dialect

    class _Autocommit(Dialect):  # type: ignore[misc, valid-type]
        supports_statement_cache = False

        def do_begin(self, dbapi_connection: Any) -> None:
            """Reads run in DuckDB's autocommit mode."""

        def do_rollback(self, dbapi_connection: Any) -> None:
            """Nothing to roll back; rolling back would drop a pending result."""

        def do_commit(self, dbapi_connection: Any) -> None:
            """Nothing to commit."""

        def get_columns(
            self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
        ) -> list[dict[str, Any]]:
            """Reflection from DuckDB's information_schema (the inherited PostgreSQL reflection does not run)."""
            rows = connection.exec_driver_sql(
                "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                "WHERE table_name = ? AND table_schema = coalesce(?, current_schema()) ORDER BY ordinal_position",
                (table_name, schema),
            ).fetchall()
            return [
                {
                    "name": name,
                    "type": _duckdb_type(str(data_type)),
                    "nullable": nullable == "YES",
                    "default": None,
                }
                for name, data_type, nullable in rows
            ]

        def get_pk_constraint(
            self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
        ) -> dict[str, Any]:
            return {"constrained_columns": [], "name": None}

    return _Autocommit


def _duckdb_type(name: str) -> Any:
    from sqlalchemy import types

    base = name.split("(")[0].strip().upper()
    mapping = {
        "BIGINT": types.BigInteger,
        "INTEGER": types.Integer,
        "SMALLINT": types.SmallInteger,
        "TINYINT": types.SmallInteger,
        "HUGEINT": types.BigInteger,
        "UBIGINT": types.BigInteger,
        "UINTEGER": types.BigInteger,
        "DOUBLE": types.Float,
        "FLOAT": types.Float,
        "REAL": types.Float,
        "DECIMAL": types.Numeric,
        "VARCHAR": types.String,
        "BOOLEAN": types.Boolean,
        "DATE": types.Date,
        "TIMESTAMP": types.DateTime,
        "TIMESTAMP WITH TIME ZONE": types.DateTime,
        "TIME": types.Time,
        "BLOB": types.LargeBinary,
        "UUID": types.String,
        "JSON": types.JSON,
    }
    return mapping.get(base, types.NullType)()


def __getattr__(name: str) -> Any:  # lazy: duckdb_engine is imported only when DuckDB is used
    if name == "AutocommitDuckDBDialect":
        return _duckdb_dialect()
    raise AttributeError(name)


@dataclass(frozen=True)
class Warehouse:
    """A warehouse a check reads: how to connect and how to name its assets."""

    label: str
    url: str
    platform: str
    dialect: str
    """sqlglot dialect of the connection (``duckdb``, ``postgres``, ``sqlite``)."""

    def engine(self, **kwargs: Any) -> Engine:
        if self.dialect == "postgres":
            # timestamps come back and truncate in UTC whatever the server's default zone
            kwargs.setdefault("connect_args", {"options": "-c timezone=UTC"})
            kwargs.setdefault("pool_pre_ping", True)
        return create_engine(self.url, **kwargs)

    @property
    def safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)


def _secret(value: Any) -> str | None:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return str(value) if value is not None else None


def _url_for(entry_type: str, options: dict[str, Any], settings: Settings, where: str) -> str:
    url = _secret(options.get("url") or options.get("dsn"))
    if url:
        url = normalize_url(url)
        if url.startswith("duckdb:///"):
            url = "duckdb+observer:///" + url[len("duckdb:///") :]
        return url
    path = options.get("path") or options.get("database")
    if entry_type == "duckdb" and path:
        return f"duckdb+observer:///{settings.resolve_path(str(path))}"
    if entry_type == "sqlite" and path:
        return f"sqlite:///{settings.resolve_path(str(path))}"
    raise ConfigError(
        f"cannot tell how to connect to this {entry_type} warehouse: give url: or path:", path=where
    )


def _connectable(entry: PluginEntry) -> bool:
    """A source we can open (a URL, or a DuckDB/SQLite file), not one read from export files."""
    options = entry.options
    return bool(
        options.get("url")
        or options.get("dsn")
        or (entry.type in ("duckdb", "sqlite") and options.get("path"))
    )


def _dialect_of(url: str) -> str:
    backend = make_url(url).get_backend_name()
    return _SQLGLOT_DIALECT.get(backend, backend)


def resolve_warehouse(
    settings: Settings,
    *,
    source: str | None = None,
    url: str | SecretStr | None = None,
    platform: str | None = None,
    where: str = "checks",
) -> Warehouse:
    """The warehouse a check should read (see the module docstring for the rules)."""
    if url:
        raw = _url_for("url", {"url": url}, settings, where)
        dialect = _dialect_of(raw)
        return Warehouse(label=source or dialect, url=raw, platform=platform or dialect, dialect=dialect)
    candidates = [e for e in settings.sources if e.type in WAREHOUSE_TYPES and _connectable(e)]
    if source:
        chosen = [e for e in settings.sources if e.label == source]
        if not chosen:
            known = ", ".join(sorted(e.label for e in settings.sources)) or "none"
            raise ConfigError(f"no source named {source!r}; configured: {known}", path=f"{where}.source")
    elif len(candidates) == 1:
        chosen = candidates
    else:
        names = ", ".join(e.label for e in candidates) or "none"
        raise ConfigError(
            f"say which warehouse to check with source: (warehouse sources: {names})", path=where
        )
    entry: PluginEntry = chosen[0]
    options = entry.options
    raw = _url_for(entry.type, options, settings, f"sources[{entry.label}]")
    dialect = _dialect_of(raw)
    plat = platform or options.get("platform") or ("postgres" if entry.type == "postgresql" else entry.type)
    return Warehouse(label=entry.label, url=raw, platform=str(plat), dialect=dialect)


def matches(name: str, patterns: str | list[str] | tuple[str, ...]) -> bool:
    """Whether a normalized asset name (``analytics.raw.orders``) matches any glob in ``patterns``."""
    if isinstance(patterns, str):
        patterns = [patterns]
    return any(fnmatchcase(name, p.strip().lower()) for p in patterns)


def path_exists(url: str) -> bool:
    """For file warehouses, whether the file is there (a missing DuckDB file would be created empty)."""
    parsed = make_url(url)
    if parsed.get_backend_name() in ("duckdb", "sqlite") and parsed.database not in (None, "", ":memory:"):
        return Path(str(parsed.database)).exists()
    return True
