"""Redshift I/O: ``SYS_QUERY_HISTORY`` (joined to ``pg_user`` for user names) over psycopg, which
speaks Redshift's PostgreSQL protocol. The same statement runs in tests on a real PostgreSQL holding
a ``sys_query_history`` table in the view's layout (``pg_user`` is native there)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from collectors.redshift.config import RedshiftConfig
from observer.dbapi import classify, fetch_batches

Batch = tuple[list[str], list[tuple[Any, ...]]]

HISTORY_SQL = """
SELECT q.query_id, q.query_label, q.transaction_id, q.session_id, q.database_name, q.query_type, q.status,
       q.result_cache_hit, q.start_time, q.end_time, q.elapsed_time, q.queue_time, q.execution_time, q.compile_time,
       q.error_message, q.returned_rows, q.query_text, q.user_id, u.usename AS user_name
FROM sys_query_history q
LEFT JOIN pg_user u ON u.usesysid = q.user_id
WHERE q.end_time >= ? AND q.end_time < ? AND q.status IN ('success', 'failed', 'canceled')
ORDER BY q.end_time, q.query_id
"""


class RedshiftClient:
    def __init__(self, config: RedshiftConfig, connection: Any | None = None) -> None:
        self.config = config
        self._conn = connection

    @property
    def connection(self) -> Any:
        if self._conn is None:
            import psycopg

            assert self.config.url is not None
            try:
                self._conn = psycopg.connect(self.config.url.get_secret_value(), autocommit=True, application_name="observer")
            except psycopg.Error as exc:
                raise classify(exc, "connecting to Redshift") from None
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def query_history(self, since: datetime, until: datetime) -> Iterator[Batch]:
        """Finished statements that ended in ``[since, until)``, oldest first."""
        # Redshift stores UTC timestamps without a zone: compare with naive UTC values.
        lo, hi = (t.astimezone(UTC).replace(tzinfo=None) for t in (since, until))
        return fetch_batches(
            self.connection, HISTORY_SQL, (lo, hi), batch_size=self.config.batch_size, paramstyle="format",
            what="reading SYS_QUERY_HISTORY",
        )
