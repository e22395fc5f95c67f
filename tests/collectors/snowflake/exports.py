"""Write small ACCOUNT_USAGE exports for tests, in the views' own column layout and CSV dialect
(upper-case header, text quoted, NULL as an empty field, Snowflake's default timestamp format)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

QUERY_HISTORY_COLUMNS = (
    "QUERY_ID", "QUERY_TEXT", "DATABASE_NAME", "SCHEMA_NAME", "QUERY_TYPE", "SESSION_ID", "USER_NAME",
    "ROLE_NAME", "WAREHOUSE_NAME", "WAREHOUSE_SIZE", "QUERY_TAG", "EXECUTION_STATUS", "START_TIME", "END_TIME",
    "TOTAL_ELAPSED_TIME", "BYTES_SCANNED", "ROWS_PRODUCED", "COMPILATION_TIME", "EXECUTION_TIME",
    "QUEUED_PROVISIONING_TIME", "QUEUED_REPAIR_TIME", "QUEUED_OVERLOAD_TIME", "CREDITS_USED_CLOUD_SERVICES",
    "QUERY_ACCELERATION_BYTES_SCANNED",
)
METERING_COLUMNS = (
    "START_TIME", "END_TIME", "WAREHOUSE_ID", "WAREHOUSE_NAME", "CREDITS_USED", "CREDITS_USED_COMPUTE",
    "CREDITS_USED_CLOUD_SERVICES", "CREDITS_ATTRIBUTED_COMPUTE_QUERIES",
)


def ts(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}.{moment.microsecond // 1000:03d} +0000"


@dataclass
class Q:
    query_id: str
    text: str
    user: str
    start: datetime
    exec_ms: int
    warehouse: str = "REPORTING"
    compile_ms: int = 0
    database: str = "ANALYTICS"
    schema: str = "MARTS"
    query_tag: str = ""
    cloud_services: float = 0.0
    extra: dict[str, object] = field(default_factory=dict)

    def row(self) -> list[object]:
        end = self.start + timedelta(milliseconds=self.compile_ms + self.exec_ms)
        values: dict[str, object] = {
            "QUERY_ID": self.query_id, "QUERY_TEXT": self.text, "DATABASE_NAME": self.database,
            "SCHEMA_NAME": self.schema, "QUERY_TYPE": "SELECT", "SESSION_ID": 1, "USER_NAME": self.user,
            "ROLE_NAME": "ROLE", "WAREHOUSE_NAME": self.warehouse, "WAREHOUSE_SIZE": "Small", "QUERY_TAG": self.query_tag,
            "EXECUTION_STATUS": "SUCCESS", "START_TIME": ts(self.start), "END_TIME": ts(end),
            "TOTAL_ELAPSED_TIME": self.compile_ms + self.exec_ms, "BYTES_SCANNED": 1000, "ROWS_PRODUCED": 1,
            "COMPILATION_TIME": self.compile_ms, "EXECUTION_TIME": self.exec_ms, "QUEUED_PROVISIONING_TIME": 0,
            "QUEUED_REPAIR_TIME": 0, "QUEUED_OVERLOAD_TIME": 0, "CREDITS_USED_CLOUD_SERVICES": f"{self.cloud_services:.9f}",
            "QUERY_ACCELERATION_BYTES_SCANNED": 0,
        }
        values.update(self.extra)
        return [values[c] for c in QUERY_HISTORY_COLUMNS]


def write_query_history(path: Path, queries: Iterable[Q]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(QUERY_HISTORY_COLUMNS)
        for q in queries:
            w.writerow(q.row())
    return path


def write_metering(path: Path, hours: Iterable[tuple[str, datetime, float]]) -> Path:
    """``(warehouse, hour start, compute credits)`` per row."""
    with path.open("w", newline="", encoding="utf-8") as out:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(METERING_COLUMNS)
        for wh, start, credits in hours:
            w.writerow([ts(start), ts(start + timedelta(hours=1)), 7, wh, f"{credits:.9f}", f"{credits:.9f}", "0.000000000", ""])
    return path


def growth_dashboard(i: int, day: datetime, hour: int, slot: int) -> Q:
    return Q(
        f"01{day:%m%d}{hour:02d}-{slot:04d}-0000-0000-{i:012d}",
        f"select channel, count(*) from growth_live where day = '{day:%Y-%m-%d}' and channel = 'c{i}' group by 1",  # noqa: S608
        "ALICE", day + timedelta(hours=hour, minutes=6 * slot), 6 * 60_000,
    )


def two_month_account(folder: Path) -> tuple[Path, Path]:
    """February: ALICE's growth dashboard costs one credit on REPORTING, HUGO's load one on
    TRANSFORMING. March: the dashboard runs four times as often at four credits an hour, REPORTING
    idles an extra hour (2 credits), the load is unchanged. Returns (query history, metering)."""
    feb, mar = datetime(2026, 2, 10, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC)
    queries = [growth_dashboard(i, feb, 10, i) for i in range(10)]
    queries += [growth_dashboard(100 + h * 10 + s, mar, h, s) for h in (10, 11, 12, 13) for s in range(10)]
    for n, day in enumerate((feb, mar)):
        queries.append(
            Q(f"01dbt000-0000-0000-0000-00000000000{n}", "insert into fct_orders select * from analytics.staging.stg_orders",
              "HUGO", day + timedelta(hours=2), 60 * 60_000, warehouse="TRANSFORMING")
        )
    meters = [("REPORTING", feb + timedelta(hours=10), 1.0), ("TRANSFORMING", feb + timedelta(hours=2), 1.0)]
    meters += [("REPORTING", mar + timedelta(hours=h), 4.0) for h in (10, 11, 12, 13)]
    meters += [("REPORTING", mar + timedelta(hours=14), 2.0), ("TRANSFORMING", mar + timedelta(hours=2), 1.0)]
    return write_query_history(folder / "qh.csv", queries), write_metering(folder / "wmh.csv", meters)
