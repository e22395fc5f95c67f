"""BigQuery ``INFORMATION_SCHEMA.JOBS`` rows → query records (pure).

Columns: cloud.google.com/bigquery/docs/information-schema-jobs. Script parents
(``statement_type = 'SCRIPT'``) are skipped — their child jobs carry the work and the bytes. Cache
hits bill nothing. Jobs on a reservation are priced by slot time, others by bytes billed (the
column when present; else bytes processed with BigQuery's MiB rounding and 10 MiB minimum per
referenced table). Labels become the query's tags (dbt's ``job-label`` puts its comment there).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from observer import fields as f
from observer.attribution.pricing import bigquery_billed_bytes
from observer.model import Asset, AssetKey, AssetKind, Column, QueryRecord

REQUIRED = ("JOB_ID", "CREATION_TIME", "QUERY")
OPTIONAL = (
    "PROJECT_ID", "USER_EMAIL", "START_TIME", "END_TIME", "STATEMENT_TYPE", "TOTAL_BYTES_PROCESSED",
    "TOTAL_BYTES_BILLED", "TOTAL_SLOT_MS", "CACHE_HIT", "RESERVATION_ID", "LABELS", "REFERENCED_TABLES",
    "DESTINATION_TABLE", "STATE", "ERROR_RESULT", "PARENT_JOB_ID", "JOB_TYPE",
)
ON_DEMAND = "on-demand"
RESERVATION = "reservation"


def _json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def labels_tag(labels: Any) -> str | None:
    """``[{"key": k, "value": v}, …]`` (or a mapping) as a JSON object string for tag parsing."""
    labels = _json(labels)
    if not labels:
        return None
    if isinstance(labels, dict):
        pairs = {str(k): str(v) for k, v in labels.items()}
    else:
        pairs = {str(i.get("key")): str(i.get("value") or "") for i in labels if isinstance(i, dict) and i.get("key")}
    return json.dumps(pairs, sort_keys=True) if pairs else None


def job_record(row: Sequence[Any], layout: f.Layout, *, source: str, platform: str = "bigquery") -> QueryRecord | None:
    """One JOBS row → :class:`QueryRecord`, or ``None`` for rows that are not billable queries
    (script parents, load/extract/copy jobs, unfinished jobs)."""
    get = layout.getter(row)
    job_type = (f.text(get("JOB_TYPE")) or "QUERY").upper()
    statement = f.text(get("STATEMENT_TYPE"))
    state = (f.text(get("STATE")) or "DONE").upper()
    if job_type != "QUERY" or (statement or "").upper() == "SCRIPT" or state != "DONE":
        return None
    job_id = f.text(get("JOB_ID"))
    if not job_id:
        raise f.FieldError("JOB_ID", "missing job id")
    project = f.text(get("PROJECT_ID"))
    created = f.timestamp(get("CREATION_TIME"), "CREATION_TIME")
    start = f.optional_timestamp(get("START_TIME"), "START_TIME") or created
    end = f.optional_timestamp(get("END_TIME"), "END_TIME") or start
    if end < start:
        raise f.FieldError("END_TIME", "ends before it starts")
    cache_hit = f.boolean(get("CACHE_HIT"), "CACHE_HIT")
    referenced = _json(get("REFERENCED_TABLES")) or []
    processed = f.integer(get("TOTAL_BYTES_PROCESSED"), "TOTAL_BYTES_PROCESSED")
    billed_col = f.optional_integer(get("TOTAL_BYTES_BILLED"), "TOTAL_BYTES_BILLED")
    reservation = f.text(get("RESERVATION_ID"))
    error = _json(get("ERROR_RESULT"))
    message = error.get("message") if isinstance(error, dict) else (str(error) if error else None)
    return QueryRecord(
        source=source,
        query_id=f"{project}:{job_id}" if project else job_id,
        platform=platform,
        text=f.text(get("QUERY")) or "",
        start_time=start,
        end_time=end,
        user_name=f.text(get("USER_EMAIL")),
        warehouse=reservation or (f"{ON_DEMAND}:{project}" if project else ON_DEMAND),
        warehouse_size=RESERVATION if reservation else ON_DEMAND,
        database_name=project,
        query_type=statement,
        status="failed" if message else "success",
        error_message=message,
        query_tag=labels_tag(get("LABELS")),
        execution_ms=(end - start).total_seconds() * 1000,
        queued_ms=max(0.0, (start - created).total_seconds() * 1000),
        total_elapsed_ms=(end - created).total_seconds() * 1000,
        bytes_scanned=processed,
        bytes_billed=0 if cache_hit else bigquery_billed_bytes(
            processed, tables_referenced=len(referenced) if isinstance(referenced, list) else 1, bytes_billed=billed_col
        ),
        slot_ms=f.optional_integer(get("TOTAL_SLOT_MS"), "TOTAL_SLOT_MS"),
    )


_KINDS = {"BASE TABLE": AssetKind.TABLE, "VIEW": AssetKind.VIEW, "MATERIALIZED VIEW": AssetKind.VIEW,
          "EXTERNAL": AssetKind.TABLE, "SNAPSHOT": AssetKind.SNAPSHOT, "CLONE": AssetKind.TABLE}


def catalog_assets(
    tables: Sequence[tuple[Sequence[str], Sequence[Any]]],
    columns: Sequence[tuple[Sequence[str], Sequence[Any]]],
    *,
    platform: str = "bigquery",
    source: str = "bigquery",
) -> list[Asset]:
    """INFORMATION_SCHEMA.TABLES (+ TABLE_STORAGE, TABLE_OPTIONS) and COLUMNS rows → assets.

    Keys are built like the keys of tables that queries name (``project.dataset.table`` as BigQuery
    SQL spells them unquoted), so a table's catalog entry and the queries that write it meet."""
    cols: dict[tuple[str, str, str], list[Column]] = {}
    for names, row in columns:
        get = f.Layout.of(names).getter(row)
        key = (str(get("TABLE_CATALOG")), str(get("TABLE_SCHEMA")), str(get("TABLE_NAME")))
        cols.setdefault(key, []).append(
            Column(str(get("COLUMN_NAME")), f.text(get("DATA_TYPE")), position=f.optional_integer(get("ORDINAL_POSITION"), "ORDINAL_POSITION"))
        )
    out = []
    for names, row in tables:
        get = f.Layout.of(names).getter(row)
        project, dataset, table = str(get("TABLE_CATALOG")), str(get("TABLE_SCHEMA")), str(get("TABLE_NAME"))
        description = f.text(get("DESCRIPTION"))
        if description and len(description) >= 2 and description[0] == description[-1] == '"':
            description = json.loads(description)  # TABLE_OPTIONS quotes string values
        out.append(
            Asset(
                key=AssetKey.of(platform, f"{project}.{dataset}.{table}", "bigquery"),
                kind=_KINDS.get((f.text(get("TABLE_TYPE")) or "").upper(), AssetKind.TABLE),
                description=description,
                columns=tuple(cols.get((project, dataset, table), ())),
                source=source,
                row_count=f.optional_integer(get("TOTAL_ROWS"), "TOTAL_ROWS"),
                bytes=f.optional_integer(get("TOTAL_LOGICAL_BYTES"), "TOTAL_LOGICAL_BYTES"),
            )
        )
    return out
