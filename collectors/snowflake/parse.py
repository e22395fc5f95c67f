"""Snowflake ACCOUNT_USAGE rows → domain records (pure).

Rows come either from an export file (``COPY INTO … HEADER = TRUE``: strings, Snowflake's own
upper-case column names) or from the live views through the connector (Python values). Both are
lists of values in the order of a :class:`~observer.fields.Layout` built from the column names, so one code path
reads both.

Views and columns: docs.snowflake.com/en/sql-reference/account-usage/query_history,
…/warehouse_metering_history, …/query_acceleration_history, …/query_attribution_history.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from observer import fields as f
from observer.model import Asset, AssetKey, AssetKind, Column, MeteringRecord, QueryRecord

QUERY_HISTORY_REQUIRED = (
    "QUERY_ID", "QUERY_TEXT", "USER_NAME", "WAREHOUSE_NAME", "EXECUTION_STATUS",
    "START_TIME", "END_TIME", "EXECUTION_TIME",
)
QUERY_HISTORY_OPTIONAL = (
    "DATABASE_NAME", "SCHEMA_NAME", "QUERY_TYPE", "SESSION_ID", "ROLE_NAME", "WAREHOUSE_SIZE",
    "CLUSTER_NUMBER", "QUERY_TAG", "ERROR_CODE", "ERROR_MESSAGE", "TOTAL_ELAPSED_TIME", "BYTES_SCANNED",
    "ROWS_PRODUCED", "COMPILATION_TIME", "QUEUED_PROVISIONING_TIME", "QUEUED_REPAIR_TIME",
    "QUEUED_OVERLOAD_TIME", "LIST_EXTERNAL_FILES_TIME", "CREDITS_USED_CLOUD_SERVICES",
    "QUERY_ACCELERATION_BYTES_SCANNED",
)
METERING_REQUIRED = ("START_TIME", "END_TIME", "WAREHOUSE_NAME", "CREDITS_USED_COMPUTE")
METERING_OPTIONAL = ("CREDITS_USED_CLOUD_SERVICES", "CREDITS_ATTRIBUTED_COMPUTE_QUERIES")
ACCELERATION_REQUIRED = ("START_TIME", "END_TIME", "WAREHOUSE_NAME", "CREDITS_USED")
ATTRIBUTION_REQUIRED = ("QUERY_ID", "CREDITS_ATTRIBUTED_COMPUTE")
ATTRIBUTION_OPTIONAL = ("CREDITS_USED_QUERY_ACCELERATION",)

# EXECUTION_STATUS → Observer's status vocabulary.
_STATUS = {
    "SUCCESS": "success",
    "FAIL": "failed",
    "FAILED_WITH_ERROR": "failed",
    "FAILED_WITH_INCIDENT": "failed",
    "INCIDENT": "failed",
    "RUNNING": "running",
    "QUEUED": "running",
    "RESUMING_WAREHOUSE": "running",
    "BLOCKED": "running",
}


def _ms(get: f.Get, name: str) -> float:
    return f.number(get(name), name)


def query_record(row: Sequence[Any], layout: f.Layout, *, source: str, platform: str = "snowflake") -> QueryRecord:
    """One QUERY_HISTORY row → :class:`QueryRecord` (raises :class:`~observer.fields.FieldError`).

    ``queued_ms`` is every wait before execution other than compilation (the three ``QUEUED_*``
    times and ``LIST_EXTERNAL_FILES_TIME``), so execution starts at start + compilation + queued.
    """
    get = layout.getter(row)
    query_id = f.text(get("QUERY_ID"))
    if not query_id:
        raise f.FieldError("QUERY_ID", "missing query id")
    start = f.timestamp(get("START_TIME"), "START_TIME")
    end = f.timestamp(get("END_TIME"), "END_TIME")
    if end < start:
        raise f.FieldError("END_TIME", f"ends before it starts ({end.isoformat()} < {start.isoformat()})")
    status_text = (f.text(get("EXECUTION_STATUS")) or "SUCCESS").upper()
    queued = (
        _ms(get, "QUEUED_PROVISIONING_TIME") + _ms(get, "QUEUED_REPAIR_TIME")
        + _ms(get, "QUEUED_OVERLOAD_TIME") + _ms(get, "LIST_EXTERNAL_FILES_TIME")
    )
    session = get("SESSION_ID")
    return QueryRecord(
        source=source,
        query_id=query_id,
        platform=platform,
        text=f.text(get("QUERY_TEXT")) or "",
        start_time=start,
        end_time=end,
        user_name=f.text(get("USER_NAME")),
        role_name=f.text(get("ROLE_NAME")),
        warehouse=f.text(get("WAREHOUSE_NAME")),
        warehouse_size=f.text(get("WAREHOUSE_SIZE")),
        database_name=f.text(get("DATABASE_NAME")),
        schema_name=f.text(get("SCHEMA_NAME")),
        query_type=f.text(get("QUERY_TYPE")),
        status=_STATUS.get(status_text, status_text.lower()),
        error_message=f.text(get("ERROR_MESSAGE")),
        query_tag=f.text(get("QUERY_TAG")),
        execution_ms=_ms(get, "EXECUTION_TIME"),
        compilation_ms=_ms(get, "COMPILATION_TIME"),
        queued_ms=queued,
        total_elapsed_ms=_ms(get, "TOTAL_ELAPSED_TIME"),
        bytes_scanned=f.integer(get("BYTES_SCANNED"), "BYTES_SCANNED"),
        rows_produced=f.optional_integer(get("ROWS_PRODUCED"), "ROWS_PRODUCED"),
        cloud_services_credits=_ms(get, "CREDITS_USED_CLOUD_SERVICES"),
        qas_bytes_scanned=f.integer(get("QUERY_ACCELERATION_BYTES_SCANNED"), "QUERY_ACCELERATION_BYTES_SCANNED"),
        cluster_number=f.optional_integer(get("CLUSTER_NUMBER"), "CLUSTER_NUMBER"),
        session_id=None if f.is_null(session) else str(session),
    )


def metering_record(row: Sequence[Any], layout: f.Layout, *, source: str) -> MeteringRecord:
    """One WAREHOUSE_METERING_HISTORY row → :class:`MeteringRecord` (raises :class:`~observer.fields.FieldError`)."""
    get = layout.getter(row)
    warehouse = f.text(get("WAREHOUSE_NAME"))
    if not warehouse:
        raise f.FieldError("WAREHOUSE_NAME", "missing warehouse name")
    return MeteringRecord(
        source=source,
        warehouse=warehouse,
        start_time=f.timestamp(get("START_TIME"), "START_TIME"),
        end_time=f.timestamp(get("END_TIME"), "END_TIME"),
        credits_compute=f.number(get("CREDITS_USED_COMPUTE"), "CREDITS_USED_COMPUTE"),
        credits_cloud_services=f.number(get("CREDITS_USED_CLOUD_SERVICES"), "CREDITS_USED_CLOUD_SERVICES"),
        credits_attributed_compute=f.optional_number(
            get("CREDITS_ATTRIBUTED_COMPUTE_QUERIES"), "CREDITS_ATTRIBUTED_COMPUTE_QUERIES"
        ),
    )


def acceleration_record(row: Sequence[Any], layout: f.Layout, *, source: str) -> MeteringRecord:
    """One QUERY_ACCELERATION_HISTORY row → a meter carrying only ``credits_acceleration``."""
    get = layout.getter(row)
    warehouse = f.text(get("WAREHOUSE_NAME"))
    if not warehouse:
        raise f.FieldError("WAREHOUSE_NAME", "missing warehouse name")
    return MeteringRecord(
        source,
        warehouse,
        f.timestamp(get("START_TIME"), "START_TIME"),
        f.timestamp(get("END_TIME"), "END_TIME"),
        0.0,
        credits_acceleration=f.number(get("CREDITS_USED"), "CREDITS_USED"),
    )


def attributed_credits(row: Sequence[Any], layout: f.Layout) -> tuple[str, float]:
    """One QUERY_ATTRIBUTION_HISTORY row → ``(query_id, credits_attributed_compute)``."""
    get = layout.getter(row)
    query_id = f.text(get("QUERY_ID"))
    if not query_id:
        raise f.FieldError("QUERY_ID", "missing query id")
    return query_id, f.number(get("CREDITS_ATTRIBUTED_COMPUTE"), "CREDITS_ATTRIBUTED_COMPUTE")


_KINDS = {"BASE TABLE": AssetKind.TABLE, "VIEW": AssetKind.VIEW, "MATERIALIZED VIEW": AssetKind.VIEW}


def _quoted(*parts: str) -> str:
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts)


def catalog_assets(
    tables: Iterable[tuple[Sequence[str], Sequence[Any]]],
    columns: Iterable[tuple[Sequence[str], Sequence[Any]]],
    *,
    platform: str = "snowflake",
    source: str = "snowflake",
) -> list[Asset]:
    """ACCOUNT_USAGE.TABLES and COLUMNS rows (``(column names, row)`` pairs) → assets with columns.

    Snowflake stores unquoted identifiers upper-case; names are given to :meth:`AssetKey.of` quoted,
    so ``ANALYTICS.MARTS.ORDERS`` becomes ``snowflake://analytics.marts.orders`` and a genuinely
    mixed-case ``"Orders"`` keeps its case.
    """
    cols: dict[tuple[str, str, str], list[Column]] = {}
    for names, row in columns:
        get = f.Layout.of(names).getter(row)
        key = (str(get("TABLE_CATALOG")), str(get("TABLE_SCHEMA")), str(get("TABLE_NAME")))
        cols.setdefault(key, []).append(
            Column(str(get("COLUMN_NAME")).lower() if str(get("COLUMN_NAME")).isupper() else str(get("COLUMN_NAME")),
                   f.text(get("DATA_TYPE")), f.text(get("COMMENT")), f.optional_integer(get("ORDINAL_POSITION"), "ORDINAL_POSITION"))
        )
    out = []
    for names, row in tables:
        get = f.Layout.of(names).getter(row)
        db, schema, name = str(get("TABLE_CATALOG")), str(get("TABLE_SCHEMA")), str(get("TABLE_NAME"))
        out.append(
            Asset(
                key=AssetKey.of(platform, _quoted(db, schema, name), "snowflake"),
                kind=_KINDS.get((f.text(get("TABLE_TYPE")) or "").upper(), AssetKind.TABLE),
                description=f.text(get("COMMENT")),
                columns=tuple(sorted(cols.get((db, schema, name), ()), key=lambda c: c.position or 0)),
                source=source,
                row_count=f.optional_integer(get("ROW_COUNT"), "ROW_COUNT"),
                bytes=f.optional_integer(get("BYTES"), "BYTES"),
                last_altered=f.optional_timestamp(get("LAST_ALTERED"), "LAST_ALTERED"),
            )
        )
    return out
