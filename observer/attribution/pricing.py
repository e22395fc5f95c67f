"""Prices: what one credit, compute-hour, DBU, TiB or slot-hour costs on a given day (pure).

Contract prices change (a renewal lowers the credit price from the 1st of a month), so a rate is
looked up by the *day* the spend happened, never "the price now": a report for March stays the same
after April's renewal.

>>> rates = DatedRates(3.0, {date(2026, 3, 1): 2.5})
>>> rates.on(date(2026, 2, 28)), rates.on(date(2026, 3, 2))
(3.0, 2.5)

BigQuery on-demand pricing rounds every query's billed bytes up to the next MiB and charges at least
10 MiB per table referenced (and per query); cache hits are free. INFORMATION_SCHEMA.JOBS already
reports ``total_bytes_billed`` after those rules, so :func:`bigquery_billed_bytes` only recomputes
them when an export lacks the column.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

MIB = 1024 * 1024
TIB = 1024**4
BIGQUERY_MIN_BYTES_PER_TABLE = 10 * MIB
MS_PER_HOUR = 3_600_000.0


@dataclass(frozen=True)
class DatedRates:
    """A price that may change on given days: ``default`` until the first dated entry applies."""

    default: float
    dated: Mapping[date, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        days = sorted(self.dated)
        object.__setattr__(self, "_days", days)
        object.__setattr__(self, "_values", [self.dated[d] for d in days])

    @classmethod
    def parse(cls, default: float, dated: Mapping[str, float]) -> DatedRates:
        """Build from config strings: ``{"2026-03-01": 2.5}`` (ISO days)."""
        return cls(default, {date.fromisoformat(k): float(v) for k, v in dated.items()})

    def on(self, day: date) -> float:
        days: list[date] = self._days  # type: ignore[attr-defined]
        i = bisect.bisect_right(days, day)
        return self.default if i == 0 else self._values[i - 1]  # type: ignore[attr-defined, no-any-return]


def bigquery_billed_bytes(
    bytes_processed: int, *, tables_referenced: int = 1, cache_hit: bool = False, bytes_billed: int | None = None
) -> int:
    """Bytes a BigQuery on-demand query is billed for.

    ``bytes_billed`` (the job's ``total_bytes_billed``) wins when known. Otherwise: 0 for cache hits
    and queries that read nothing; else bytes processed rounded up to a whole MiB, at least 10 MiB per
    referenced table and per query.
    """
    if bytes_billed is not None:
        return max(0, int(bytes_billed))
    if cache_hit or bytes_processed <= 0:
        return 0
    rounded = -(-int(bytes_processed) // MIB) * MIB
    return max(rounded, BIGQUERY_MIN_BYTES_PER_TABLE * max(1, tables_referenced))


def bigquery_on_demand_tib(billed_bytes: int) -> float:
    """Billed bytes as TiB, the unit on-demand prices are quoted in."""
    return billed_bytes / TIB


def slot_hours(slot_ms: int | float) -> float:
    """Reservation (capacity) usage: slot-milliseconds as slot-hours."""
    return float(slot_ms) / MS_PER_HOUR
