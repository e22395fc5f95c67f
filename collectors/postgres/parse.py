"""PostgreSQL server log records and pg_stat_statements rows → query records (pure).

With ``log_min_duration_statement = 0`` the server logs every statement when it finishes::

    duration: 0.977 ms  statement: select … /* {"app": "dbt", "node_id": "model.shop.orders"} */
    duration: 0.125 ms  execute <unnamed>: insert into t values ($1, $2)

(extended-protocol clients also log ``parse`` and ``bind`` phases; only ``statement`` and ``execute``
lines are queries). A statement that failed is an ``ERROR`` record whose ``query`` / ``statement``
field holds the text. The record's time is when the statement ended, so it started ``duration``
earlier. ``session_id`` + ``session_line_num`` identify a log line uniquely on a server, and are the
query id. Format: https://www.postgresql.org/docs/15/runtime-config-logging.html (csvlog, jsonlog).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from observer import fields as f
from observer.model import QueryRecord

# PostgreSQL 15 csvlog: 26 columns, no header.
CSVLOG_COLUMNS = (
    "log_time", "user_name", "database_name", "process_id", "connection_from", "session_id", "session_line_num",
    "command_tag", "session_start_time", "virtual_transaction_id", "transaction_id", "error_severity",
    "sql_state_code", "message", "detail", "hint", "internal_query", "internal_query_pos", "context", "query",
    "query_pos", "location", "application_name", "backend_type", "leader_pid", "query_id",
)
# jsonlog keys → the csvlog names used below.
JSONLOG_KEYS = {
    "timestamp": "log_time", "user": "user_name", "dbname": "database_name", "session_id": "session_id",
    "line_num": "session_line_num", "ps": "command_tag", "error_severity": "error_severity", "message": "message",
    "statement": "query", "application_name": "application_name", "backend_type": "backend_type",
    "query_id": "query_id", "state_code": "sql_state_code",
}
_DURATION = re.compile(r"^duration: ([0-9.]+) ms\s+(statement|execute [^:]*|parse [^:]*|bind [^:]*):\s?(.*)$", re.S)
_FAILURES = frozenset({"ERROR", "FATAL", "PANIC"})
OWN_APPLICATION = "observer"
"""``application_name`` Observer connects with."""


@dataclass(frozen=True)
class LogContext:
    source: str
    server: str
    platform: str = "postgres"
    default_schema: str | None = "public"
    """Schema of unqualified names (the log does not say which ``search_path`` was in effect)."""
    own_application: str | None = OWN_APPLICATION
    """Statements Observer itself sent (its catalog reads) are left out, so re-reading converges."""


def csvlog_record(values: list[str]) -> dict[str, str]:
    """A csvlog row as a mapping by column name (rows from older servers with fewer columns too)."""
    return dict(zip(CSVLOG_COLUMNS, values, strict=False))


def jsonlog_record(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {JSONLOG_KEYS[k]: v for k, v in obj.items() if k in JSONLOG_KEYS}


def log_query(record: Mapping[str, Any], ctx: LogContext) -> QueryRecord | None:
    """The statement a log record reports, or ``None`` for records that are not statements."""
    severity = str(record.get("error_severity") or "")
    message = str(record.get("message") or "")
    if ctx.own_application and record.get("application_name") == ctx.own_application:
        return None
    if severity == "LOG":
        match = _DURATION.match(message)
        if match is None or not match.group(2).startswith(("statement", "execute")):
            return None
        duration_ms = float(match.group(1))
        text = match.group(3)
        status, error = "success", None
    elif severity in _FAILURES and record.get("query"):
        duration_ms, text = 0.0, str(record["query"])
        status, error = "failed", message
    else:
        return None
    session, line = record.get("session_id"), record.get("session_line_num")
    if not session or line in (None, ""):
        raise f.FieldError("session_id", "log record without session id and line number")
    end = f.timestamp(record.get("log_time"), "log_time")
    start = end - timedelta(milliseconds=duration_ms)
    queryid = record.get("query_id")
    labels = {"queryid": str(queryid)} if queryid not in (None, "", "0", 0) else {}
    app = f.text(record.get("application_name"))
    if app:
        labels["application_name"] = app
    return QueryRecord(
        source=ctx.source,
        query_id=f"{session}:{line}",
        platform=ctx.platform,
        text=text,
        start_time=start,
        end_time=end,
        user_name=f.text(record.get("user_name")),
        warehouse=ctx.server,
        database_name=f.text(record.get("database_name")),
        schema_name=ctx.default_schema,
        query_type=f.text(record.get("command_tag")),
        status=status,
        error_message=error,
        execution_ms=duration_ms,
        total_elapsed_ms=duration_ms,
        session_id=str(session),
        labels=labels,
    )


@dataclass(frozen=True)
class StatementStats:
    """One pg_stat_statements row: cumulative counters of a statement shape for a user and database."""

    database: str
    user: str
    queryid: str
    query: str
    calls: int
    exec_ms: float
    rows: int

    @property
    def key(self) -> str:
        return f"{self.database}:{self.user}:{self.queryid}"


def statement_stats(row: Mapping[str, Any]) -> StatementStats:
    return StatementStats(
        str(row["datname"]), str(row["user_name"]), str(row["queryid"]), str(row["query"] or ""),
        f.integer(row["calls"], "calls"), f.number(row["total_exec_time"], "total_exec_time"), f.integer(row["rows"], "rows"),
    )


def stats_interval(
    current: StatementStats,
    previous: tuple[int, float, int] | None,
    start: datetime,
    end: datetime,
    ctx: LogContext,
) -> QueryRecord | None:
    """The statement's calls between two snapshots as one query record (``None`` when it did not run).

    Counters that went down were reset (``pg_stat_statements_reset()`` or a restart): the current
    values are then the whole interval's. The cumulative counters ride along in ``labels`` so the
    next snapshot can be diffed against them.
    """
    calls, exec_ms, rows = current.calls, current.exec_ms, current.rows
    if previous is not None and calls >= previous[0] and exec_ms >= previous[1]:
        calls, exec_ms, rows = calls - previous[0], exec_ms - previous[1], max(0, rows - previous[2])
    if calls <= 0:
        return None
    return QueryRecord(
        source=ctx.source,
        query_id=f"pgss:{current.key}:{end.isoformat()}",
        platform=ctx.platform,
        text=current.query,
        start_time=start,
        end_time=end,
        user_name=current.user,
        warehouse=ctx.server,
        database_name=current.database,
        schema_name=ctx.default_schema,
        query_type="pg_stat_statements",
        execution_ms=exec_ms,
        total_elapsed_ms=exec_ms,
        rows_produced=rows,
        compute_weight=exec_ms,
        labels={"calls": str(calls), "queryid": current.queryid},
    )
