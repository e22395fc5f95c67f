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

from observer.demo.company import DATABASE, Warehouse, warehouse
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


def q(value: str | None) -> str:
    """A VARCHAR value: enclosed in double quotes, inner quotes doubled; NULL stays empty."""
    if value is None:
        return ""
    return '"' + value.replace('"', '""') + '"'


def n(value: object) -> str:
    """A NUMBER value (NULL stays empty)."""
    return "" if value is None else str(value)


def ts(moment: datetime) -> str:
    """Snowflake's default TIMESTAMP_LTZ output in a UTC session: ``2025-11-21 02:00:04.118 +0000``."""
    return moment.isoformat(sep=" ", timespec="milliseconds") + " +0000"


def num(value: float, scale: int = 9) -> str:
    return f"{value:.{scale}f}"


def line(values: Sequence[str]) -> str:
    return ",".join(values) + "\n"


def parameterized_hash(query: SimQuery) -> str:
    return hashlib.md5(f"{query.shape}|{query.query_type}".encode()).hexdigest()


def query_history_rows(queries: Iterable[SimQuery]) -> Iterable[str]:
    yield ",".join(QUERY_HISTORY_COLUMNS) + "\n"
    wh_ids: dict[str, Warehouse] = {}
    for qr in queries:
        wh = None
        if qr.warehouse:
            wh = wh_ids.get(qr.warehouse) or warehouse(qr.warehouse)
            wh_ids[qr.warehouse] = wh
        ran = qr.metered
        failed = qr.status != "SUCCESS"
        rows_produced = qr.rows_produced or (1 if qr.rows_inserted else 0)
        yield line((
            q(qr.query_id), q(qr.text), n(DATABASE_ID), q(qr.database or DATABASE),
            n(SCHEMA_IDS.get(qr.schema or "")), q(qr.schema), q(qr.query_type),
            n(qr.session_id), q(qr.user), q(qr.role), n(wh.warehouse_id if wh else None), q(wh.name if wh else None),
            q(qr.warehouse_size if ran else None), q("STANDARD" if wh else None),
            "1" if ran else "", q(qr.query_tag), q(qr.status), q(qr.error_code), q(qr.error_message),
            ts(qr.start), ts(qr.end), n(qr.total_ms),
            n(qr.bytes_scanned), num(qr.cache_pct, 6), n(qr.bytes_written),
            "0" if failed else n(min(qr.rows_produced, 500) * 96), "0", n(rows_produced), n(qr.rows_inserted),
            n(qr.rows_updated), n(qr.rows_deleted), "0", "0", n(qr.partitions_scanned), n(qr.partitions_total),
            "0", "0", "0", n(qr.compile_ms), n(qr.exec_ms), "0", "0", n(qr.queued_ms), n(qr.blocked_ms),
            "", "", "0", "", "", "0", "0", num(qr.cloud_services_credits), q(RELEASE),
            "", "", "", "", "", "100" if ran else "", "false", "0", "0", "0", "0", "0", q("ROLE"),
            q(text_hash(qr.text)), "2", q(parameterized_hash(qr)), "1",
            q('{"roles":"","count":0,"ids":""}'), n(1 if qr.rows_inserted else qr.rows_produced), "0", "", "0",
        ))


def metering_rows(rows: Iterable[MeteringRow]) -> Iterable[str]:
    yield ",".join(METERING_COLUMNS) + "\n"
    for r in rows:
        yield line((ts(r.start), ts(r.end), n(r.warehouse_id), q(r.warehouse),
                    num(r.compute + r.cloud_services), num(r.compute), num(r.cloud_services), num(r.attributed)))


def attribution_rows(queries: Iterable[SimQuery], credits: dict[str, float]) -> Iterable[str]:
    """QUERY_ATTRIBUTION_HISTORY leaves out very short queries (≤ ~100 ms), as Snowflake does."""
    yield ",".join(ATTRIBUTION_COLUMNS) + "\n"
    for qr in queries:
        if not qr.metered or qr.exec_ms <= 100 or qr.query_id not in credits:
            continue
        wh = warehouse(qr.warehouse or "")
        yield line((q(qr.query_id), "", "", n(wh.warehouse_id), q(wh.name), q(text_hash(qr.text)),
                    q(parameterized_hash(qr)), q(qr.query_tag), q(qr.user), ts(qr.exec_start), ts(qr.end),
                    num(credits[qr.query_id]), ""))
