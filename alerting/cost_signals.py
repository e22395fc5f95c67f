"""Cost findings as signals (pure): budgets overrun or about to be, and query spend that jumps.

*Budget* — one subject per team (check ``budget:<team>``). Failing with severity *high* once the
month's spend passes the team's ``monthly_budget_usd``; *warn* (severity medium) when the month is at
least ``forecast_after_days`` old and a straight-line forecast to month end passes it; passing
otherwise — including on the first of the next month, which resolves last month's incident.

*Spend jump* — one subject per query fingerprint (check ``spend_jump:<fingerprint>``). Failing when
its spend over the last ``window`` days is at least ``ratio`` times the window before *and* grew by at
least ``min_usd`` dollars (a fingerprint that did not exist before counts as a jump from zero).

>>> from datetime import datetime, timezone
>>> now = datetime(2026, 11, 20, tzinfo=timezone.utc)
>>> budget_signal("growth", 3000.0, 3300.0, now).status.value
'fail'
"""

from __future__ import annotations

from datetime import UTC, datetime

from alerting.signals import Signal
from observer.model import AssetKey, CheckStatus, Severity


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    start = datetime(now.year, now.month, 1, tzinfo=UTC)
    end = datetime(now.year + (now.month == 12), now.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def dollars(value: float) -> str:
    return f"${value:,.0f}" if abs(value) >= 100 else f"${value:,.2f}"


def budget_signal(
    team: str, budget_usd: float, spent_usd: float, now: datetime, *, forecast_after_days: int = 5
) -> Signal:
    """Where ``team`` stands against its monthly budget at ``now`` (month to date)."""
    start, end = month_bounds(now)
    elapsed = (now - start).total_seconds() / (end - start).total_seconds()
    forecast = spent_usd / elapsed if elapsed > 0 else spent_usd
    days_left = max(0, (end - now).days)
    month = f"{start:%Y-%m}"
    observed = {"month": month, "spent_usd": round(spent_usd, 2), "forecast_usd": round(forecast, 2)}
    expected = {"budget_usd": round(budget_usd, 2)}
    pct = spent_usd / budget_usd * 100 if budget_usd else float("inf")
    if spent_usd > budget_usd:
        status, severity = CheckStatus.FAIL, Severity.HIGH
        title = f"{team} is over its monthly budget"
        summary = f"{dollars(spent_usd)} spent in {month}, {pct:.0f}% of the {dollars(budget_usd)} budget, with {days_left} days to go"
    elif (now - start).days >= forecast_after_days and forecast > budget_usd:
        status, severity = CheckStatus.WARN, Severity.MEDIUM
        title = f"{team} is on course to exceed its monthly budget"
        summary = f"{dollars(spent_usd)} spent so far in {month}; at this pace {dollars(forecast)} by month end (budget {dollars(budget_usd)})"
    else:
        status, severity = CheckStatus.PASS, Severity.LOW
        title = f"{team} is within its monthly budget"
        summary = f"{dollars(spent_usd)} of {dollars(budget_usd)} spent in {month}"
    return Signal(
        check=f"budget:{team}",
        kind="budget",
        asset=None,
        status=status,
        severity=severity,
        title=title,
        summary=summary,
        evaluated_at=now,
        observed=observed,
        expected=expected,
        team=team,
    )


def spend_jump_signal(
    fingerprint: str,
    recent_usd: float,
    previous_usd: float,
    now: datetime,
    *,
    window_days: int = 7,
    ratio: float = 3.0,
    min_usd: float = 100.0,
    team: str | None = None,
    owner: str | None = None,
    asset: AssetKey | None = None,
) -> Signal:
    """Whether one query fingerprint's spend jumped between the previous and the last ``window_days``."""
    grew = recent_usd - previous_usd
    factor = recent_usd / previous_usd if previous_usd > 0 else float("inf")
    jumped = grew >= min_usd and factor >= ratio
    short = fingerprint[:12]
    where = f" on {asset.short_name}" if asset is not None else ""
    shown = "new" if factor == float("inf") else f"×{factor:.1f}"
    observed = {
        f"last_{window_days}_days_usd": round(recent_usd, 2),
        f"previous_{window_days}_days_usd": round(previous_usd, 2),
    }
    if jumped:
        severity = Severity.HIGH if grew >= 10 * max(min_usd, 1.0) else Severity.MEDIUM
        title = f"Spend of query {short}{where} jumped ({shown})"
        summary = f"{dollars(recent_usd)} in the last {window_days} days, up from {dollars(previous_usd)} ({dollars(grew)} more)"
        status = CheckStatus.FAIL
    else:
        severity, status = Severity.LOW, CheckStatus.PASS
        title = f"Spend of query {short}{where} is steady"
        summary = f"{dollars(recent_usd)} in the last {window_days} days (before: {dollars(previous_usd)})"
    return Signal(
        check=f"spend_jump:{fingerprint}",
        kind="spend_jump",
        asset=asset,
        status=status,
        severity=severity,
        title=title,
        summary=summary,
        evaluated_at=now,
        observed={**observed, "fingerprint": fingerprint},
        expected={"at_most": f"×{ratio:g} or +{dollars(min_usd)}"},
        team=team,
        owner=owner,
    )
