"""Databricks ``system.query.history`` and ``system.billing.usage`` rows → query records and
warehouse meters (pure).

Columns: docs.databricks.com/en/admin/system-tables/query-history.html and …/billing.html. A SQL
warehouse's DBUs are billed per warehouse, not per statement, so they are shared by each
statement's ``total_task_duration_ms`` (its compute time across the warehouse's workers) over its
execution window — the measured weight of :mod:`observer.attribution.cost`. ``compute`` and
``usage_metadata`` are structs; exports that flatten them (``warehouse_id`` columns) read too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from observer import fields as f
from observer.model import MeteringRecord, QueryRecord

HISTORY_REQUIRED = ("STATEMENT_ID", "STATEMENT_TEXT", "START_TIME", "END_TIME", "EXECUTION_STATUS")
HISTORY_OPTIONAL = (
    "COMPUTE", "WAREHOUSE_ID", "CLUSTER_ID", "SESSION_ID", "EXECUTED_BY", "EXECUTED_AS", "STATEMENT_TYPE",
    "ERROR_MESSAGE", "CLIENT_APPLICATION", "TOTAL_DURATION_MS", "WAITING_FOR_COMPUTE_DURATION_MS",
    "WAITING_AT_CAPACITY_DURATION_MS", "EXECUTION_DURATION_MS", "COMPILATION_DURATION_MS", "TOTAL_TASK_DURATION_MS",
    "READ_BYTES", "PRODUCED_ROWS", "FROM_RESULT_CACHE", "QUERY_SOURCE", "QUERY_TAGS",
)
BILLING_REQUIRED = ("USAGE_START_TIME", "USAGE_END_TIME", "USAGE_QUANTITY")
BILLING_OPTIONAL = ("USAGE_METADATA", "WAREHOUSE_ID", "USAGE_UNIT", "SKU_NAME", "RECORD_TYPE")
_STATUS = {"FINISHED": "success", "FAILED": "failed", "CANCELED": "canceled", "CANCELLED": "canceled"}


def _struct(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.startswith("{"):
        try:
            loaded = json.loads(value)
            return loaded if isinstance(loaded, dict) else {}
        except json.JSONDecodeError:
            return {}
    if value is not None and hasattr(value, "asDict"):  # the connector's Row
        return dict(value.asDict(recursive=True))
    return {}


def _tag(source: dict[str, Any], tags: Any) -> str | None:
    """``query_source`` (job, dashboard, notebook ids) and ``query_tags`` as one JSON object of tags."""
    flat: dict[str, str] = {}
    for key, value in source.items():
        if isinstance(value, dict):
            flat.update({k: str(v) for k, v in value.items() if v not in (None, "")})
        elif value not in (None, ""):
            flat[key] = str(value)
    extra = _struct(tags)
    if not extra and isinstance(tags, list):
        extra = {str(t.get("key")): t.get("value") for t in tags if isinstance(t, dict)}
    flat.update({str(k): str(v) for k, v in extra.items() if v is not None})
    return json.dumps(flat, sort_keys=True) if flat else None


def statement_record(row: Sequence[Any], layout: f.Layout, *, source: str, platform: str = "databricks") -> QueryRecord | None:
    """One query-history row → :class:`QueryRecord` (``None`` for statements still running)."""
    get = layout.getter(row)
    status = (f.text(get("EXECUTION_STATUS")) or "").upper()
    if status not in _STATUS:
        return None
    statement_id = f.text(get("STATEMENT_ID"))
    if not statement_id:
        raise f.FieldError("STATEMENT_ID", "missing statement id")
    start = f.timestamp(get("START_TIME"), "START_TIME")
    end = f.timestamp(get("END_TIME"), "END_TIME")
    if end < start:
        raise f.FieldError("END_TIME", "ends before it starts")
    compute = _struct(get("COMPUTE"))
    warehouse = compute.get("warehouse_id") or f.text(get("WAREHOUSE_ID")) or compute.get("cluster_id") or f.text(get("CLUSTER_ID"))
    cached = f.boolean(get("FROM_RESULT_CACHE"), "FROM_RESULT_CACHE")
    task_ms = 0.0 if cached else f.number(get("TOTAL_TASK_DURATION_MS"), "TOTAL_TASK_DURATION_MS")
    return QueryRecord(
        source=source,
        query_id=statement_id,
        platform=platform,
        text=f.text(get("STATEMENT_TEXT")) or "",
        start_time=start,
        end_time=end,
        user_name=f.text(get("EXECUTED_BY")) or f.text(get("EXECUTED_AS")),
        warehouse=str(warehouse) if warehouse else None,
        query_type=f.text(get("STATEMENT_TYPE")),
        status=_STATUS[status],
        error_message=f.text(get("ERROR_MESSAGE")),
        query_tag=_tag(_struct(get("QUERY_SOURCE")), get("QUERY_TAGS")),
        execution_ms=f.number(get("EXECUTION_DURATION_MS"), "EXECUTION_DURATION_MS"),
        compilation_ms=f.number(get("COMPILATION_DURATION_MS"), "COMPILATION_DURATION_MS"),
        queued_ms=f.number(get("WAITING_FOR_COMPUTE_DURATION_MS"), "WAITING_FOR_COMPUTE_DURATION_MS")
        + f.number(get("WAITING_AT_CAPACITY_DURATION_MS"), "WAITING_AT_CAPACITY_DURATION_MS"),
        total_elapsed_ms=f.number(get("TOTAL_DURATION_MS"), "TOTAL_DURATION_MS"),
        bytes_scanned=f.integer(get("READ_BYTES"), "READ_BYTES"),
        rows_produced=f.optional_integer(get("PRODUCED_ROWS"), "PRODUCED_ROWS"),
        compute_weight=task_ms,
        session_id=f.text(get("SESSION_ID")),
    )


def usage_meter(row: Sequence[Any], layout: f.Layout, *, source: str) -> MeteringRecord | None:
    """One billing-usage row → a meter of DBUs for its SQL warehouse (``None`` for other usage)."""
    get = layout.getter(row)
    unit = (f.text(get("USAGE_UNIT")) or "DBU").upper()
    warehouse = _struct(get("USAGE_METADATA")).get("warehouse_id") or f.text(get("WAREHOUSE_ID"))
    if unit != "DBU" or not warehouse:
        return None
    return MeteringRecord(
        source,
        str(warehouse),
        f.timestamp(get("USAGE_START_TIME"), "USAGE_START_TIME"),
        f.timestamp(get("USAGE_END_TIME"), "USAGE_END_TIME"),
        f.number(get("USAGE_QUANTITY"), "USAGE_QUANTITY"),
    )


def combine_meters(meters: Sequence[MeteringRecord]) -> list[MeteringRecord]:
    """Sum the DBUs of records of one warehouse-interval (several SKUs, retractions, restatements)."""
    totals: dict[tuple[str, Any], MeteringRecord] = {}
    for m in meters:
        key = (m.warehouse, m.start_time)
        prev = totals.get(key)
        totals[key] = m if prev is None else MeteringRecord(
            m.source, m.warehouse, m.start_time, max(m.end_time, prev.end_time), prev.credits_compute + m.credits_compute
        )
    return list(totals.values())
