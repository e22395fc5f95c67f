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


_NULLS = f.NULL_MARKERS


class QueryHistoryParser:
    """QUERY_HISTORY rows → :class:`QueryRecord`, for one column layout (raises
    :class:`~observer.fields.FieldError` naming the column at fault).

    Positions are resolved once per file or cursor, and values already of the right type (the
    connector's) pass through, so a million exported rows parse in seconds. ``queued_ms`` is every
    wait before execution other than compilation (the three ``QUEUED_*`` times and
    ``LIST_EXTERNAL_FILES_TIME``): execution starts at start + compilation + queued.
    """

    _WAITS = ("QUEUED_PROVISIONING_TIME", "QUEUED_REPAIR_TIME", "QUEUED_OVERLOAD_TIME", "LIST_EXTERNAL_FILES_TIME")
    _TEXT = ("QUERY_TEXT", "USER_NAME", "ROLE_NAME", "WAREHOUSE_NAME", "WAREHOUSE_SIZE", "DATABASE_NAME",
             "SCHEMA_NAME", "QUERY_TYPE", "ERROR_MESSAGE", "QUERY_TAG")

    def __init__(self, layout: f.Layout, *, source: str, platform: str = "snowflake") -> None:
        self.source, self.platform = source, platform
        pos = layout.positions
        self.index = {name: pos.get(name) for name in (*QUERY_HISTORY_REQUIRED, *QUERY_HISTORY_OPTIONAL)}
        self.waits = [(n, pos[n]) for n in self._WAITS if n in pos]
        self.texts = [(n, pos.get(n)) for n in self._TEXT]

    def _num(self, row: Sequence[Any], name: str) -> float:
        i = self.index[name]
        if i is None:
            return 0.0
        v = row[i]
        if v.__class__ is float:
            return v  # type: ignore[no-any-return]
        if v is None or v in _NULLS:
            return 0.0
        try:
            return float(v)
        except (TypeError, ValueError):
            raise f.FieldError(name, f"not a number: {str(v)[:40]!r}") from None

    def __call__(self, row: Sequence[Any]) -> QueryRecord:
        ix = self.index
        num = self._num
        text, user, role, warehouse, size, database, schema, query_type, error, tag = [
            None if i is None or (v := row[i]) is None or v in _NULLS else (v if v.__class__ is str else str(v))
            for _, i in self.texts
        ]
        query_id = row[ix["QUERY_ID"]]  # type: ignore[index]
        if query_id is None or query_id in _NULLS:
            raise f.FieldError("QUERY_ID", "missing query id")
        start = f.timestamp(row[ix["START_TIME"]], "START_TIME")  # type: ignore[index]
        end = f.timestamp(row[ix["END_TIME"]], "END_TIME")  # type: ignore[index]
        if end < start:
            raise f.FieldError("END_TIME", f"ends before it starts ({end.isoformat()} < {start.isoformat()})")
        status = (row[ix["EXECUTION_STATUS"]] or "SUCCESS").upper()  # type: ignore[index]
        queued = 0.0
        for name, i in self.waits:
            v = row[i]
            if v and v not in _NULLS and v != "0":
                try:
                    queued += float(v)
                except (TypeError, ValueError):
                    raise f.FieldError(name, f"not a number: {str(v)[:40]!r}") from None
        session = row[ix["SESSION_ID"]] if ix["SESSION_ID"] is not None else None
        cluster = row[ix["CLUSTER_NUMBER"]] if ix["CLUSTER_NUMBER"] is not None else None
        produced = row[ix["ROWS_PRODUCED"]] if ix["ROWS_PRODUCED"] is not None else None
        return QueryRecord(
            self.source, str(query_id), self.platform, text or "", start, end,
            user, role, warehouse, size, database, schema, query_type,
            _STATUS.get(status, status.lower()), error, tag,
            num(row, "EXECUTION_TIME"), num(row, "COMPILATION_TIME"), queued, num(row, "TOTAL_ELAPSED_TIME"),
            int(num(row, "BYTES_SCANNED")), None, None,
            None if produced is None or produced in _NULLS else f.integer(produced, "ROWS_PRODUCED"),
            num(row, "CREDITS_USED_CLOUD_SERVICES"), int(num(row, "QUERY_ACCELERATION_BYTES_SCANNED")), None,
            None if cluster is None or cluster in _NULLS else f.integer(cluster, "CLUSTER_NUMBER"),
            None if session is None or session in _NULLS else str(session),
        )


def query_record(row: Sequence[Any], layout: f.Layout, *, source: str, platform: str = "snowflake") -> QueryRecord:
    """One QUERY_HISTORY row → :class:`QueryRecord` (see :class:`QueryHistoryParser`, which a
    caller parsing many rows of one layout should use directly)."""
    return QueryHistoryParser(layout, source=source, platform=platform)(row)


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
