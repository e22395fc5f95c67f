"""Write the ACCOUNT_USAGE exports exactly as an unload of the views would.

The files are what this statement writes (run with ``ALTER SESSION SET TIMEZONE = 'UTC'``)::

    COPY INTO @export/query_history.csv.gz
    FROM (SELECT * FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY WHERE start_time >= :start)
    FILE_FORMAT = (TYPE = CSV COMPRESSION = GZIP FIELD_OPTIONALLY_ENCLOSED_BY = '"'
                   NULL_IF = () EMPTY_FIELD_AS_NULL = FALSE)
    HEADER = TRUE SINGLE = TRUE MAX_FILE_SIZE = 5000000000;

so: upper-case column names in the views' order, text enclosed in double quotes (quotes doubled),
NULL as an empty unquoted field, timestamps as ``YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime

from observer.demo.company import DATABASE, warehouse
from observer.demo.metering import MeteringRow
from observer.demo.workload import SimQuery, text_hash

QUERY_HISTORY_COLUMNS: tuple[str, ...] = (
    "QUERY_ID", "QUERY_TEXT", "DATABASE_ID", "DATABASE_NAME", "SCHEMA_ID", "SCHEMA_NAME", "QUERY_TYPE",
    "SESSION_ID", "USER_NAME", "ROLE_NAME", "WAREHOUSE_ID", "WAREHOUSE_NAME", "WAREHOUSE_SIZE",
    "WAREHOUSE_TYPE", "CLUSTER_NUMBER", "QUERY_TAG", "EXECUTION_STATUS", "ERROR_CODE", "ERROR_MESSAGE",
    "START_TIME", "END_TIME", "TOTAL_ELAPSED_TIME", "BYTES_SCANNED", "PERCENTAGE_SCANNED_FROM_CACHE",
    "BYTES_WRITTEN", "BYTES_WRITTEN_TO_RESULT", "BYTES_READ_FROM_RESULT", "ROWS_PRODUCED", "ROWS_INSERTED",
    "ROWS_UPDATED", "ROWS_DELETED", "ROWS_UNLOADED", "BYTES_DELETED", "PARTITIONS_SCANNED", "PARTITIONS_TOTAL",
    "BYTES_SPILLED_TO_LOCAL_STORAGE", "BYTES_SPILLED_TO_REMOTE_STORAGE", "BYTES_SENT_OVER_THE_NETWORK",
    "COMPILATION_TIME", "EXECUTION_TIME", "QUEUED_PROVISIONING_TIME", "QUEUED_REPAIR_TIME", "QUEUED_OVERLOAD_TIME",
    "TRANSACTION_BLOCKED_TIME", "OUTBOUND_DATA_TRANSFER_CLOUD", "OUTBOUND_DATA_TRANSFER_REGION",
    "OUTBOUND_DATA_TRANSFER_BYTES", "INBOUND_DATA_TRANSFER_CLOUD", "INBOUND_DATA_TRANSFER_REGION",
    "INBOUND_DATA_TRANSFER_BYTES", "LIST_EXTERNAL_FILES_TIME", "CREDITS_USED_CLOUD_SERVICES", "RELEASE_VERSION",
    "EXTERNAL_FUNCTION_TOTAL_INVOCATIONS", "EXTERNAL_FUNCTION_TOTAL_SENT_ROWS",
    "EXTERNAL_FUNCTION_TOTAL_RECEIVED_ROWS", "EXTERNAL_FUNCTION_TOTAL_SENT_BYTES",
    "EXTERNAL_FUNCTION_TOTAL_RECEIVED_BYTES", "QUERY_LOAD_PERCENT", "IS_CLIENT_GENERATED_STATEMENT",
    "QUERY_ACCELERATION_BYTES_SCANNED", "QUERY_ACCELERATION_PARTITIONS_SCANNED",
    "QUERY_ACCELERATION_UPPER_LIMIT_SCALE_FACTOR", "TRANSACTION_ID", "CHILD_QUERIES_WAIT_TIME", "ROLE_TYPE",
    "QUERY_HASH", "QUERY_HASH_VERSION", "QUERY_PARAMETERIZED_HASH", "QUERY_PARAMETERIZED_HASH_VERSION",
    "SECONDARY_ROLE_STATS", "ROWS_WRITTEN_TO_RESULT", "QUERY_RETRY_TIME", "QUERY_RETRY_CAUSE",
    "FAULT_HANDLING_TIME",
)
METERING_COLUMNS: tuple[str, ...] = (
    "START_TIME", "END_TIME", "WAREHOUSE_ID", "WAREHOUSE_NAME", "CREDITS_USED", "CREDITS_USED_COMPUTE",
    "CREDITS_USED_CLOUD_SERVICES", "CREDITS_ATTRIBUTED_COMPUTE_QUERIES",
)
ATTRIBUTION_COLUMNS: tuple[str, ...] = (
    "QUERY_ID", "PARENT_QUERY_ID", "ROOT_QUERY_ID", "WAREHOUSE_ID", "WAREHOUSE_NAME", "QUERY_HASH",
    "QUERY_PARAMETERIZED_HASH", "QUERY_TAG", "USER_NAME", "START_TIME", "END_TIME", "CREDITS_ATTRIBUTED_COMPUTE",
    "CREDITS_USED_QUERY_ACCELERATION",
)

DATABASE_ID = 17
SCHEMA_IDS = {"RAW": 231, "STAGING": 232, "MARTS": 233, "SNAPSHOTS": 234, "SCRATCH": 235, "PUBLIC": 230}
RELEASE = "9.34.2"


class Text(str):
    """A value written enclosed in quotes (VARCHAR columns)."""


def ts(moment: datetime) -> str:
    """Snowflake's default TIMESTAMP_LTZ output in a UTC session: ``2025-11-21 02:00:04.118 +0000``."""
    return f"{moment:%Y-%m-%d %H:%M:%S}.{moment.microsecond // 1000:03d} +0000"


def num(value: float, scale: int = 9) -> str:
    return f"{value:.{scale}f}"


def csv_line(values: Sequence[object]) -> str:
    out = []
    for v in values:
        if v is None:
            out.append("")
        elif isinstance(v, Text):
            out.append('"' + v.replace('"', '""') + '"')
        elif isinstance(v, bool):
            out.append("true" if v else "false")
        else:
            out.append(str(v))
    return ",".join(out) + "\n"


def parameterized_hash(query: SimQuery) -> str:
    return hashlib.md5(f"{query.shape}|{query.query_type}".encode()).hexdigest()


def query_history_rows(queries: Iterable[SimQuery]) -> Iterable[str]:
    yield ",".join(QUERY_HISTORY_COLUMNS) + "\n"
    for q in queries:
        wh = warehouse(q.warehouse) if q.warehouse else None
        ran = q.metered
        failed = q.status != "SUCCESS"
        yield csv_line((
            Text(q.query_id), Text(q.text), DATABASE_ID, Text(q.database or DATABASE),
            SCHEMA_IDS.get(q.schema or "", None), Text(q.schema) if q.schema else None, Text(q.query_type),
            q.session_id, Text(q.user), Text(q.role), wh.warehouse_id if wh else None, Text(wh.name) if wh else None,
            Text(q.warehouse_size) if ran and q.warehouse_size else None, Text("STANDARD") if wh else None,
            1 if ran else None, Text(q.query_tag), Text(q.status), Text(q.error_code) if q.error_code else None,
            Text(q.error_message) if q.error_message else None, ts(q.start), ts(q.end), q.total_ms,
            q.bytes_scanned, num(q.cache_pct, 6), q.bytes_written, 0 if failed else min(q.rows_produced, 500) * 96,
            0, q.rows_produced or (1 if q.rows_inserted else 0), q.rows_inserted, q.rows_updated, q.rows_deleted,
            0, 0, q.partitions_scanned, q.partitions_total, 0, 0, 0, q.compile_ms, q.exec_ms, 0, 0, q.queued_ms,
            q.blocked_ms, None, None, 0, None, None, 0, 0, num(q.cloud_services_credits), Text(RELEASE),
            None, None, None, None, None, 100 if ran else None, False, 0, 0, 0, 0, 0, Text("ROLE"),
            Text(text_hash(q.text)), 2, Text(parameterized_hash(q)), 1,
            Text('{"roles":"","count":0,"ids":""}'), 1 if q.rows_inserted else q.rows_produced, 0, None, 0,
        ))


def metering_rows(rows: Iterable[MeteringRow]) -> Iterable[str]:
    yield ",".join(METERING_COLUMNS) + "\n"
    for r in rows:
        yield csv_line((ts(r.start), ts(r.end), r.warehouse_id, Text(r.warehouse),
                        num(r.compute + r.cloud_services), num(r.compute), num(r.cloud_services), num(r.attributed)))


def attribution_rows(queries: Iterable[SimQuery], credits: dict[str, float]) -> Iterable[str]:
    """QUERY_ATTRIBUTION_HISTORY leaves out very short queries (≤ ~100 ms), as Snowflake does."""
    yield ",".join(ATTRIBUTION_COLUMNS) + "\n"
    for q in queries:
        if not q.metered or q.exec_ms <= 100 or q.query_id not in credits:
            continue
        wh = warehouse(q.warehouse or "")
        yield csv_line((Text(q.query_id), None, None, wh.warehouse_id, Text(wh.name), Text(text_hash(q.text)),
                        Text(parameterized_hash(q)), Text(q.query_tag), Text(q.user), ts(q.exec_start), ts(q.end),
                        num(credits[q.query_id]), None))
