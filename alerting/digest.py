"""The daily digest (pure): per team, what is still open and how this month's spend compares.

Spend is compared like for like: this month so far against the same number of days of last month
(a month-to-date figure against a whole month would always look small), plus last month's total
and the budget when the team has one.

>>> from datetime import datetime, timezone
>>> d = build_digest("growth", datetime(2026, 11, 20, 9, tzinfo=timezone.utc), [], 1200.0, 1000.0, 1600.0, None, Links(None))
>>> d.change_pct
20.0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from alerting.lifecycle import severity_rank
from alerting.message import Link, Links
from observer.model import Incident, IncidentState, Severity

MAX_ITEMS = 15


@dataclass(frozen=True)
class DigestItem:
    incident_id: int | None
    title: str
    asset: str | None
    severity: Severity
    state: IncidentState
    opened_at: datetime
    url: str | None


@dataclass(frozen=True)
class Digest:
    team: str
    day: date
    items: tuple[DigestItem, ...]
    open_total: int
    spend_mtd_usd: float
    spend_last_month_same_days_usd: float
    spend_last_month_usd: float
    budget_usd: float | None
    links: tuple[Link, ...]

    @property
    def change_pct(self) -> float | None:
        if self.spend_last_month_same_days_usd <= 0:
            return None
        return round((self.spend_mtd_usd / self.spend_last_month_same_days_usd - 1) * 100, 1)


def build_digest(
    team: str,
    now: datetime,
    open_incidents: Sequence[Incident],
    spend_mtd_usd: float,
    spend_last_month_same_days_usd: float,
    spend_last_month_usd: float,
    budget_usd: float | None,
    links: Links,
) -> Digest:
    ordered = sorted(open_incidents, key=lambda i: (-severity_rank(i.severity), i.opened_at))
    items = tuple(
        DigestItem(
            i.id,
            i.title,
            str(i.asset) if i.asset else None,
            i.severity,
            i.state,
            i.opened_at,
            links.incident(i.id),
        )
        for i in ordered[:MAX_ITEMS]
    )
    out_links = [
        Link(label, url)
        for label, url in (("Open incidents", links.incidents(team)), ("Spend", links.costs(team)))
        if url
    ]
    return Digest(
        team=team,
        day=now.date(),
        items=items,
        open_total=len(ordered),
        spend_mtd_usd=spend_mtd_usd,
        spend_last_month_same_days_usd=spend_last_month_same_days_usd,
        spend_last_month_usd=spend_last_month_usd,
        budget_usd=budget_usd,
        links=tuple(out_links),
    )
