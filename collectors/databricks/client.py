"""Databricks I/O: the ``query.history`` and ``billing.usage`` system tables through
databricks-sql-connector (``?`` placeholders). The same statements run in tests on DuckDB tables
laid out like the system tables (structs included), under a catalog other than DuckDB's own
``system``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from collectors.databricks.config import DatabricksConfig
from observer.dbapi import classify, fetch_batches
from observer.errors import ConfigError

Batch = tuple[list[str], list[tuple[Any, ...]]]

HISTORY_SQL = """
SELECT statement_id, session_id, execution_status, compute, executed_by, executed_as, statement_text, statement_type,
       error_message, client_application, total_duration_ms, waiting_for_compute_duration_ms,
       waiting_at_capacity_duration_ms, execution_duration_ms, compilation_duration_ms, total_task_duration_ms,
       start_time, end_time, read_bytes, produced_rows, from_result_cache, query_source
FROM {catalog}.query.history
WHERE end_time >= ? AND end_time < ? AND execution_status IN ('FINISHED', 'FAILED', 'CANCELED')
ORDER BY end_time, statement_id
"""

BILLING_SQL = """
SELECT usage_metadata, usage_start_time, usage_end_time, usage_quantity, usage_unit, sku_name, record_type
FROM {catalog}.billing.usage
WHERE usage_metadata.warehouse_id IS NOT NULL AND usage_unit = 'DBU' AND usage_start_time >= ?
ORDER BY usage_start_time
"""


def connect(config: DatabricksConfig) -> Any:
    try:
        from databricks import sql
    except ImportError:
        raise ConfigError("the databricks source needs databricks-sql-connector: pip install 'observer[databricks]'") from None
    if not (config.server_hostname and config.http_path and config.access_token):
        raise ConfigError("server_hostname, http_path and access_token are all needed", path="server_hostname")
    try:
        return sql.connect(
            server_hostname=config.server_hostname,
            http_path=config.http_path,
            access_token=config.access_token.get_secret_value(),
            user_agent_entry="observer",
        )
    except Exception as exc:  # noqa: BLE001 - the connector's error tree
        raise classify(exc, f"connecting to {config.server_hostname}") from None


class DatabricksClient:
    def __init__(self, config: DatabricksConfig, connection: Any | None = None) -> None:
        self.config = config
        self._conn = connection

    @property
    def connection(self) -> Any:
        if self._conn is None:
            self._conn = connect(self.config)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _naive(self, moment: datetime) -> datetime:
        return moment.astimezone(UTC).replace(tzinfo=None)

    def query_history(self, since: datetime, until: datetime) -> Iterator[Batch]:
        sql = HISTORY_SQL.format(catalog=self.config.system_catalog)
        return fetch_batches(
            self.connection, sql, (self._naive(since), self._naive(until)), batch_size=self.config.batch_size,
            what="reading system.query.history",
        )

    def billing(self, since: datetime) -> Iterator[Batch]:
        sql = BILLING_SQL.format(catalog=self.config.system_catalog)
        return fetch_batches(self.connection, sql, (self._naive(since),), batch_size=self.config.batch_size, what="reading system.billing.usage")
