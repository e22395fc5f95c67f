"""Redshift ``SYS_QUERY_HISTORY`` rows → query records (pure).

Columns: docs.aws.amazon.com/redshift/latest/dg/SYS_QUERY_HISTORY.html — times are in
**microseconds**, timestamps UTC, ``query_text`` is cut at 4,000 characters (lineage of longer
statements may be partial). The view has ``user_id`` only; the collector's statement joins
``pg_user`` for ``user_name`` (exports should too). Running and queued statements are skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from observer import fields as f
from observer.model import QueryRecord

REQUIRED = ("QUERY_ID", "QUERY_TEXT", "START_TIME", "END_TIME", "STATUS")
OPTIONAL = (
    "USER_NAME", "USER_ID", "QUERY_LABEL", "TRANSACTION_ID", "SESSION_ID", "DATABASE_NAME", "QUERY_TYPE",
    "RESULT_CACHE_HIT", "ELAPSED_TIME", "QUEUE_TIME", "EXECUTION_TIME", "COMPILE_TIME", "ERROR_MESSAGE",
    "RETURNED_ROWS",
)
_DONE = {"success": "success", "failed": "failed", "canceled": "canceled", "cancelled": "canceled"}


def query_record(
    row: Sequence[Any], layout: f.Layout, *, source: str, cluster: str, platform: str = "redshift", default_schema: str | None = "public"
) -> QueryRecord | None:
    """One SYS_QUERY_HISTORY row → :class:`QueryRecord` (``None`` while still running)."""
    get = layout.getter(row)
    status = (f.text(get("STATUS")) or "").strip().lower()
    if status not in _DONE:
        return None
    query_id = f.text(get("QUERY_ID"))
    if not query_id:
        raise f.FieldError("QUERY_ID", "missing query id")
    start = f.timestamp(get("START_TIME"), "START_TIME")
    end = f.timestamp(get("END_TIME"), "END_TIME")
    if end < start:
        raise f.FieldError("END_TIME", "ends before it starts")
    user = f.text(get("USER_NAME"))
    if user is None and not f.is_null(get("USER_ID")):
        user = f"uid:{f.integer(get('USER_ID'), 'USER_ID')}"
    cached = f.boolean(get("RESULT_CACHE_HIT"), "RESULT_CACHE_HIT")
    execution = f.number(get("EXECUTION_TIME"), "EXECUTION_TIME") / 1000.0
    label = f.text(get("QUERY_LABEL"))
    return QueryRecord(
        source=source,
        query_id=str(query_id).strip(),
        platform=platform,
        text=(f.text(get("QUERY_TEXT")) or "").strip(),
        start_time=start,
        end_time=end,
        user_name=user.strip() if user else None,
        warehouse=cluster,
        database_name=(f.text(get("DATABASE_NAME")) or "").strip() or None,
        schema_name=default_schema,
        query_type=(f.text(get("QUERY_TYPE")) or "").strip() or None,
        status=_DONE[status],
        error_message=(f.text(get("ERROR_MESSAGE")) or "").strip() or None,
        query_tag=label.strip() if label and label.strip() not in ("", "default") else None,
        execution_ms=0.0 if cached else execution,
        compilation_ms=f.number(get("COMPILE_TIME"), "COMPILE_TIME") / 1000.0,
        queued_ms=f.number(get("QUEUE_TIME"), "QUEUE_TIME") / 1000.0,
        total_elapsed_ms=f.number(get("ELAPSED_TIME"), "ELAPSED_TIME") / 1000.0,
        rows_produced=f.optional_integer(get("RETURNED_ROWS"), "RETURNED_ROWS"),
        session_id=f.text(get("SESSION_ID")),
    )
