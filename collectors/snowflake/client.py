"""Snowflake I/O: the ACCOUNT_USAGE views over a live connection, or their export files.

The live SQL is plain SELECTs over ``SNOWFLAKE.ACCOUNT_USAGE`` with ``?`` placeholders (the
connector is opened with ``paramstyle='qmark'`` and a UTC session), so the same statements run in
tests against DuckDB tables laid out exactly like the views.

Views: docs.snowflake.com/en/sql-reference/account-usage (QUERY_HISTORY, WAREHOUSE_METERING_HISTORY,
QUERY_ACCELERATION_HISTORY, QUERY_ATTRIBUTION_HISTORY, TABLES, COLUMNS).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from collectors.snowflake.config import SnowflakeConfig
from observer.dbapi import check_identifier, fetch_batches
from observer.errors import ConfigError, TerminalSourceError

Batch = tuple[list[str], list[tuple[Any, ...]]]


def connect(config: SnowflakeConfig) -> Any:
    """Open a connector session (UTC, qmark placeholders). Needs ``observer[snowflake]``."""
    try:
        import snowflake.connector
    except ImportError:
        raise ConfigError(
            "the snowflake source needs snowflake-connector-python: pip install 'observer[snowflake]'"
        ) from None
    kwargs: dict[str, Any] = {
        "account": config.account,
        "user": config.user,
        "role": config.role,
        "warehouse": config.warehouse,
        "paramstyle": "qmark",
        "session_parameters": {"TIMEZONE": "UTC", "QUERY_TAG": "observer"},
        "application": "Observer",
    }
    if config.password is not None:
        kwargs["password"] = config.password.get_secret_value()
    if config.authenticator:
        kwargs["authenticator"] = config.authenticator
    if config.token is not None:
        kwargs["token"] = config.token.get_secret_value()
    if config.private_key_file is not None:
        kwargs["private_key_file"] = str(config.private_key_file)
        if config.private_key_passphrase is not None:
            kwargs["private_key_file_pwd"] = config.private_key_passphrase.get_secret_value()
    try:
        return snowflake.connector.connect(**{k: v for k, v in kwargs.items() if v is not None})
    except Exception as exc:  # noqa: BLE001 - the connector's error tree
        from observer.dbapi import classify

        raise classify(exc, f"connecting to Snowflake account {config.account}") from None


class SnowflakeClient:
    """Reads the ACCOUNT_USAGE views. ``connection`` is any DB-API connection with qmark placeholders
    (the connector in production, DuckDB in tests)."""

    def __init__(self, config: SnowflakeConfig, connection: Any | None = None, connector: Callable[[SnowflakeConfig], Any] = connect) -> None:
        self.config = config
        self._connection = connection
        self._connector = connector
        db = check_identifier(config.usage_database, "usage_database")
        schema = check_identifier(config.usage_schema, "usage_schema")
        self.prefix = f"{db}.{schema}"

    @property
    def connection(self) -> Any:
        if self._connection is None:
            self._connection = self._connector(self.config)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None

    def _select(self, sql: str, params: tuple[Any, ...], what: str) -> Iterator[Batch]:
        yield from fetch_batches(self.connection, sql, params, batch_size=self.config.batch_size, what=what)

    def query_history(self, since: datetime, until: datetime) -> Iterator[Batch]:
        """Statements that ended in ``[since, until)``, oldest first (so batches commit in order)."""
        sql = (
            f"SELECT * FROM {self.prefix}.QUERY_HISTORY WHERE END_TIME >= ? AND END_TIME < ? "  # noqa: S608 - identifiers checked
            "ORDER BY END_TIME, QUERY_ID"
        )
        return self._select(sql, (since, until), "reading QUERY_HISTORY")

    def metering(self, since: datetime) -> Iterator[Batch]:
        sql = f"SELECT * FROM {self.prefix}.WAREHOUSE_METERING_HISTORY WHERE START_TIME >= ? ORDER BY START_TIME"  # noqa: S608
        return self._select(sql, (since,), "reading WAREHOUSE_METERING_HISTORY")

    def acceleration(self, since: datetime) -> Iterator[Batch]:
        sql = f"SELECT * FROM {self.prefix}.QUERY_ACCELERATION_HISTORY WHERE START_TIME >= ? ORDER BY START_TIME"  # noqa: S608
        return self._optional(sql, (since,), "reading QUERY_ACCELERATION_HISTORY")

    def attribution(self, since: datetime) -> Iterator[Batch]:
        sql = (
            f"SELECT QUERY_ID, CREDITS_ATTRIBUTED_COMPUTE FROM {self.prefix}.QUERY_ATTRIBUTION_HISTORY "  # noqa: S608
            "WHERE START_TIME >= ? ORDER BY START_TIME"
        )
        return self._optional(sql, (since,), "reading QUERY_ATTRIBUTION_HISTORY")

    def _optional(self, sql: str, params: tuple[Any, ...], what: str) -> Iterator[Batch]:
        """Views an edition or account may not have: a missing view reads as empty."""
        try:
            yield from self._select(sql, params, what)
        except TerminalSourceError as exc:
            if "does not exist" in str(exc).lower() or "not authorized" in str(exc).lower():
                return
            raise

    def tables(self) -> Iterator[Batch]:
        sql = (
            "SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, ROW_COUNT, BYTES, LAST_ALTERED, COMMENT "  # noqa: S608
            f"FROM {self.prefix}.TABLES WHERE DELETED IS NULL"
        )
        params: tuple[Any, ...] = ()
        if self.config.catalog_databases:
            sql += " AND TABLE_CATALOG IN (" + ", ".join("?" for _ in self.config.catalog_databases) + ")"
            params = tuple(d.upper() for d in self.config.catalog_databases)
        return self._select(sql + " ORDER BY TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME", params, "reading TABLES")

    def columns(self) -> Iterator[Batch]:
        sql = (
            "SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, COMMENT "  # noqa: S608
            f"FROM {self.prefix}.COLUMNS WHERE DELETED IS NULL"
        )
        params: tuple[Any, ...] = ()
        if self.config.catalog_databases:
            sql += " AND TABLE_CATALOG IN (" + ", ".join("?" for _ in self.config.catalog_databases) + ")"
            params = tuple(d.upper() for d in self.config.catalog_databases)
        return self._select(sql + " ORDER BY TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION", params, "reading COLUMNS")
