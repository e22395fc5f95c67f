"""One simulated Snowflake statement, and the factory every workload uses to make them.

A :class:`SimQuery` carries what QUERY_HISTORY records about a statement: who ran it where, its
text and tag, its timings (compilation, queueing, execution — execution starts after the other
two, which is what the cost model apportions) and its volumes. ``shape`` names the statement's
template, so the parameterized hash groups the runs of one query shape as Snowflake's does.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from observer.demo.company import CREDITS_PER_HOUR, DATABASE

# Statements that never resume a warehouse (metadata-only or client-side).
NO_COMPUTE_TYPES = frozenset(
    {"SHOW", "DESCRIBE", "USE", "ALTER_SESSION", "PUT_FILES", "GET_FILES", "LIST_FILES", "ALTER",
     "DROP", "GRANT", "UNKNOWN", "CREATE_VIEW", "TRUNCATE_TABLE"}
)


@dataclass(slots=True)
class SimQuery:
    query_id: str
    text: str
    query_type: str
    user: str
    role: str
    warehouse: str | None
    warehouse_size: str | None
    start: datetime  # naive UTC, millisecond precision
    compile_ms: int
    exec_ms: int
    session_id: int
    shape: str
    queued_ms: int = 0
    blocked_ms: int = 0
    status: str = "SUCCESS"
    error_code: str | None = None
    error_message: str | None = None
    database: str | None = DATABASE
    schema: str | None = None
    query_tag: str = ""
    bytes_scanned: int = 0
    bytes_written: int = 0
    rows_produced: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_deleted: int = 0
    partitions_scanned: int = 0
    partitions_total: int = 0
    cache_pct: float = 0.0
    uses_compute: bool = True
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def total_ms(self) -> int:
        return self.compile_ms + self.queued_ms + self.blocked_ms + self.exec_ms

    @property
    def end(self) -> datetime:
        return self.start + timedelta(milliseconds=self.total_ms)

    @property
    def exec_start(self) -> datetime:
        """Execution begins after compilation, queueing and lock waits."""
        return self.start + timedelta(milliseconds=self.compile_ms + self.queued_ms + self.blocked_ms)

    @property
    def cloud_services_credits(self) -> float:
        # Cloud services work scales with compilation; ~4.4 credits per hour of compile time is
        # in line with what small accounts see (well under the daily 10 % allowance).
        return round(self.compile_ms / 3_600_000 * 4.4, 9)

    @property
    def metered(self) -> bool:
        return self.uses_compute and self.warehouse is not None and self.exec_ms > 0


def with_volumes(query: SimQuery, volumes: dict[str, int]) -> SimQuery:
    """Set volume counters (``rows_inserted=…``, ``bytes_scanned=…``) given as keywords."""
    for name, value in volumes.items():
        setattr(query, name, value)
    return query


def scale_for_size(base_ms: float, base_size: str, size: str) -> float:
    """Execution time on another warehouse size: bigger warehouses help, but not linearly."""
    ratio = CREDITS_PER_HOUR[size] / CREDITS_PER_HOUR[base_size]
    return float(base_ms / ratio**0.75)


class QueryFactory:
    """Makes query and session ids for one workload from its own seeded random stream."""

    def __init__(self, seed: int, component: str) -> None:
        self.rng = random.Random(f"{seed}:{component}")
        self._seen: set[str] = set()

    def query_id(self, at: datetime) -> str:
        """A Snowflake-looking query id (``01bf...-0000-...``), unique within the demo."""
        while True:
            region = self.rng.getrandbits(16)
            tail = self.rng.getrandbits(48)
            minutes = int(at.timestamp() // 60) & 0xFFFFFF
            qid = f"01{minutes:06x}-{region:04x}-{self.rng.getrandbits(16):04x}-0000-{tail:012x}"
            if qid not in self._seen:
                self._seen.add(qid)
                return qid

    def session_id(self) -> int:
        return 10_000_000_000_000 + self.rng.getrandbits(44)

    def jitter_ms(self, base_ms: float, spread: float = 0.2) -> int:
        return max(1, int(base_ms * self.rng.uniform(1 - spread, 1 + spread)))


def text_hash(text: str) -> str:
    """32 hex digits, like QUERY_HASH."""
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def round_ms(moment: datetime) -> datetime:
    return moment.replace(microsecond=(moment.microsecond // 1000) * 1000)


def table_bytes(rows: int, width: int = 220) -> int:
    """Stored size of a table in the Snowflake account the DuckDB file samples (1:40 sample)."""
    return rows * width * 40


def partitions(nbytes: int) -> int:
    return max(1, nbytes // 12_000_000)
