"""Monthly cost reports: spend per owner, team, asset, warehouse, user or query shape.

Every dollar of the month's cost lines lands in exactly one row: spend whose line has no value for
the grouping is ``unattributed``, and warehouse time no query used is ``idle:<WAREHOUSE>``. The rows
therefore add up to the month's bill.

Shapes (``observer costs --format json``, ``/api/v1/costs``): ``{"key", "credits", "cost_usd", "queries"}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from observer.errors import InputError
from observer.store.costs import GROUPINGS, UNATTRIBUTED, cost_totals, months_with_costs

GROUP_BY = ("owner", "team", "asset", "warehouse", "user", "fingerprint")
"""The groupings ``observer costs --by`` offers (the store also groups by rule, source and kind)."""
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class CostRow:
    key: str
    credits: float
    cost_usd: float
    queries: int

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "credits": round(self.credits, 6), "cost_usd": round(self.cost_usd, 2), "queries": self.queries}


def check_month(month: str) -> str:
    """``YYYY-MM`` or an :class:`InputError` saying so."""
    if not MONTH.match(month or ""):
        raise InputError(f"month must look like 2026-03, got {month!r}", field="month")
    return month


def previous_month(month: str) -> str:
    year, mon = (int(p) for p in check_month(month).split("-"))
    return f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"


def month_of(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return f"{moment.year:04d}-{moment.month:02d}"


def check_group(by: str) -> str:
    if by not in GROUPINGS:
        raise InputError(f"cannot group costs by {by!r}; choose one of {', '.join(GROUP_BY)}", field="by")
    return by


def cost_report(conn: Connection, month: str, by: str, filters: Mapping[str, str | None] | None = None) -> list[CostRow]:
    """Spend in ``month`` grouped ``by`` (costliest first), optionally filtered (``{"team": "growth"}``)."""
    check_month(month)
    check_group(by)
    for name in filters or {}:
        check_group(name)
    return [CostRow(t.key, t.credits, t.cost_usd, t.queries) for t in cost_totals(conn, month, by, filters)]


def latest_month(conn: Connection) -> str | None:
    """The most recent month that has cost lines."""
    months = months_with_costs(conn)
    return months[-1] if months else None


def report_total(rows: list[CostRow]) -> CostRow:
    return CostRow("total", sum(r.credits for r in rows), sum(r.cost_usd for r in rows), sum(r.queries for r in rows))


def rows_to_json(rows: list[CostRow]) -> list[dict[str, Any]]:
    return [r.to_json() for r in rows]


__all__ = [
    "GROUP_BY",
    "UNATTRIBUTED",
    "CostRow",
    "check_group",
    "check_month",
    "cost_report",
    "latest_month",
    "month_of",
    "previous_month",
    "report_total",
    "rows_to_json",
]
