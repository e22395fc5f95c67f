"""Spend figures the alerting stage needs: per team over a period, per query fingerprint, budgets.

Read from ``cost_lines`` (written by the cost model), summed in the database. Times are half-open
``[start, end)`` over the cost line's ``hour``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, distinct, func, select

from observer.store.tables import cost_lines, teams


@dataclass(frozen=True)
class FingerprintSpend:
    fingerprint: str
    recent_usd: float
    previous_usd: float
    team: str | None
    """The team that spent the most on it in the recent window."""
    owner: str | None
    asset_key: str | None
    queries: int


def team_budgets(conn: Connection) -> dict[str, float]:
    """Teams with a monthly budget set, and the budget in dollars."""
    rows = conn.execute(
        select(teams.c.name, teams.c.monthly_budget_usd).where(teams.c.monthly_budget_usd.is_not(None))
    )
    return {r.name: float(r.monthly_budget_usd) for r in rows}


def spend_by_team(conn: Connection, start: datetime, end: datetime) -> dict[str | None, float]:
    """Dollars per team over ``[start, end)``; unattributed spend under ``None``."""
    rows = conn.execute(
        select(cost_lines.c.team, func.sum(cost_lines.c.cost_usd))
        .where(cost_lines.c.hour >= start, cost_lines.c.hour < end)
        .group_by(cost_lines.c.team)
    )
    return {team: float(total or 0.0) for team, total in rows}


def team_spend(conn: Connection, team: str, start: datetime, end: datetime) -> float:
    total = conn.execute(
        select(func.sum(cost_lines.c.cost_usd)).where(
            cost_lines.c.team == team, cost_lines.c.hour >= start, cost_lines.c.hour < end
        )
    ).scalar_one_or_none()
    return float(total or 0.0)


def fingerprint_spend(
    conn: Connection,
    recent_start: datetime,
    split: datetime,
    end: datetime,
    *,
    min_recent_usd: float = 0.0,
    only: Sequence[str] | None = None,
    limit: int = 500,
) -> list[FingerprintSpend]:
    """Spend per fingerprint in ``[split, end)`` (recent) and ``[recent_start, split)`` (previous).

    Fingerprints spending at least ``min_recent_usd`` recently (or exactly those in ``only``), most
    expensive first.
    """
    recent = (
        select(
            cost_lines.c.fingerprint,
            func.sum(cost_lines.c.cost_usd).label("usd"),
            func.count(distinct(cost_lines.c.query_id)).label("n"),
        )
        .where(cost_lines.c.fingerprint.is_not(None), cost_lines.c.hour >= split, cost_lines.c.hour < end)
        .group_by(cost_lines.c.fingerprint)
        .order_by(func.sum(cost_lines.c.cost_usd).desc())
        .limit(limit)
    )
    if only is not None:
        recent = recent.where(cost_lines.c.fingerprint.in_(list(only)))
    else:
        recent = recent.having(func.sum(cost_lines.c.cost_usd) >= min_recent_usd)
    found = {r.fingerprint: (float(r.usd or 0.0), int(r.n)) for r in conn.execute(recent)}
    for fp in only or ():
        found.setdefault(fp, (0.0, 0))
    if not found:
        return []
    names = list(found)
    previous = {
        r.fingerprint: float(r.usd or 0.0)
        for r in conn.execute(
            select(cost_lines.c.fingerprint, func.sum(cost_lines.c.cost_usd).label("usd"))
            .where(
                cost_lines.c.fingerprint.in_(names),
                cost_lines.c.hour >= recent_start,
                cost_lines.c.hour < split,
            )
            .group_by(cost_lines.c.fingerprint)
        )
    }
    owners: dict[str, tuple[str | None, str | None, str | None]] = {}
    rows = conn.execute(
        select(
            cost_lines.c.fingerprint,
            cost_lines.c.team,
            cost_lines.c.owner,
            cost_lines.c.asset_key,
            func.sum(cost_lines.c.cost_usd).label("usd"),
        )
        .where(cost_lines.c.fingerprint.in_(names), cost_lines.c.hour >= split, cost_lines.c.hour < end)
        .group_by(cost_lines.c.fingerprint, cost_lines.c.team, cost_lines.c.owner, cost_lines.c.asset_key)
        .order_by(func.sum(cost_lines.c.cost_usd).desc())
    )
    for r in rows:
        owners.setdefault(r.fingerprint, (r.team, r.owner, r.asset_key))
    return [
        FingerprintSpend(fp, usd, previous.get(fp, 0.0), *owners.get(fp, (None, None, None)), queries=n)
        for fp, (usd, n) in found.items()
    ]
