"""Freshness rules: learn a table's update cadence, and judge how late it is.

Pure functions over timestamps (``now`` is passed in). A cadence is learned from the table's own
update times: the typical interval between updates, measured in *active* time — time outside the
weekdays (and, for sub-daily tables, the hours) in which the table is never updated. So a weekday-only
table is not late on Sunday, and a business-hours table is not late at night. Declared SLAs override
learning: ``within: 6h`` (wall-clock), or ``cron: "10 4 * * *"`` + ``grace: 2h`` (cron-aware: the
update expected after each tick must arrive within the grace).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from croniter import croniter

from checks.anomaly import Sensitivity

HOUR = 3600.0
DAY = 86400.0
MIN_UPDATES = 5
_SLACK = {Sensitivity.LOW: 1.0, Sensitivity.MEDIUM: 0.5, Sensitivity.HIGH: 0.25}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|hours?|d|days?|w|weeks?)\s*$", re.I)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400, "w": 604800}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def parse_duration(text: str | int | float) -> timedelta:
    """``90s``, ``15m``, ``6h``, ``2d``, ``1w`` (or seconds as a number) → timedelta."""
    if isinstance(text, int | float):
        return timedelta(seconds=float(text))
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration like 30m, 6h or 2d")
    unit = match.group(2).lower()
    unit = unit if unit in _UNITS else unit[0]
    return timedelta(seconds=float(match.group(1)) * _UNITS[unit])


@dataclass(frozen=True)
class Cadence:
    """How often a table is updated, learned from its history."""

    typical_s: float
    """Median interval between updates, in active time."""
    allowed_s: float
    """Longest active-time lag that is still on time."""
    quiet_days: frozenset[int] = frozenset()
    quiet_hours: frozenset[int] = frozenset()
    regular: bool = True
    updates: int = 0

    @property
    def label(self) -> str:
        every = _human(self.typical_s)
        days = (
            ""
            if not self.quiet_days
            else " on " + ", ".join(WEEKDAYS[d] for d in range(7) if d not in self.quiet_days)
        )
        hours = ""
        if self.quiet_hours:
            active = [h for h in range(24) if h not in self.quiet_hours]
            hours = f" between {active[0]:02d}:00 and {active[-1] + 1:02d}:00" if active else ""
        kind = "" if self.regular else "irregular, "
        return f"{kind}every {every}{days}{hours}"


def _human(seconds: float) -> str:
    if seconds >= DAY * 0.9:
        return f"{seconds / DAY:.1f} days".replace(
            ".0 days", " day" if round(seconds / DAY) == 1 else " days"
        )
    if seconds >= HOUR * 0.9:
        value = seconds / HOUR
        return f"{value:.1f} h".replace(".0 h", " h")
    return f"{max(1, round(seconds / 60))} min"


def active_seconds(
    start: datetime, end: datetime, quiet_days: frozenset[int], quiet_hours: frozenset[int]
) -> float:
    """Seconds between ``start`` and ``end`` that fall outside quiet weekdays and quiet hours (UTC)."""
    if end <= start:
        return 0.0
    if not quiet_days and not quiet_hours:
        return (end - start).total_seconds()
    total = 0.0
    cursor = start
    limit = start + timedelta(days=800)
    end = min(end, limit)
    while cursor < end:
        next_hour = cursor.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        step_end = min(next_hour, end)
        if cursor.weekday() not in quiet_days and cursor.hour not in quiet_hours:
            total += (step_end - cursor).total_seconds()
        cursor = step_end
    return total


def advance_active(
    start: datetime, seconds: float, quiet_days: frozenset[int], quiet_hours: frozenset[int]
) -> datetime:
    """The wall-clock time at which ``seconds`` of active time have passed after ``start``."""
    if not quiet_days and not quiet_hours:
        return start + timedelta(seconds=seconds)
    cursor, left = start, seconds
    for _ in range(24 * 800):
        next_hour = cursor.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        span = (next_hour - cursor).total_seconds()
        if cursor.weekday() not in quiet_days and cursor.hour not in quiet_hours:
            if left <= span:
                return cursor + timedelta(seconds=left)
            left -= span
        cursor = next_hour
    return cursor


def _quiet_days(updates: Sequence[datetime]) -> frozenset[int]:
    span = (updates[-1] - updates[0]).total_seconds()
    if span < 13.5 * DAY:
        return frozenset()
    seen = {u.weekday() for u in updates}
    quiet = frozenset(d for d in range(7) if d not in seen)
    return quiet if len(quiet) < 7 else frozenset()


def _quiet_hours(updates: Sequence[datetime], typical: float) -> frozenset[int]:
    if typical > 3 * HOUR or (updates[-1] - updates[0]).total_seconds() < 3 * DAY:
        return frozenset()
    seen = {u.hour for u in updates}
    quiet = frozenset(h for h in range(24) if h not in seen)
    # a few missing hours are chance; a block of hours without updates is a schedule
    return quiet if 4 <= len(quiet) < 24 else frozenset()


def learn_cadence(
    updates: Sequence[datetime], sensitivity: Sensitivity = Sensitivity.MEDIUM
) -> Cadence | None:
    """The cadence of a table from its update times, or ``None`` with fewer than five updates."""
    times = sorted(set(updates))
    if len(times) < MIN_UPDATES:
        return None
    quiet_days = _quiet_days(times)
    wall = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    typical_wall = sorted(wall)[len(wall) // 2]
    quiet_hours = _quiet_hours(times, typical_wall)
    gaps = sorted(
        active_seconds(a, b, quiet_days, quiet_hours) for a, b in zip(times, times[1:], strict=False)
    )
    gaps = [g for g in gaps if g > 0] or [typical_wall]
    typical = gaps[len(gaps) // 2]
    p95 = gaps[min(len(gaps) - 1, math.ceil(0.95 * len(gaps)) - 1)]
    mean = sum(gaps) / len(gaps)
    sd = math.sqrt(sum((g - mean) ** 2 for g in gaps) / len(gaps))
    regular = sd <= mean
    slack = max(typical * _SLACK[sensitivity], 30 * 60)
    allowed = p95 + slack if regular else p95 * (1.0 + 2 * _SLACK[sensitivity])
    return Cadence(typical, allowed, quiet_days, quiet_hours, regular, len(times))


@dataclass(frozen=True)
class Freshness:
    """The verdict on one table's freshness at ``now``."""

    late: bool
    lag_s: float
    """Wall-clock seconds since the last update."""
    deadline: datetime | None
    """When the table becomes (or became) late."""
    rule: str
    """What the deadline comes from: the learned cadence or the declared SLA, in words."""


def judge_learned(last_update: datetime, now: datetime, cadence: Cadence) -> Freshness:
    deadline = advance_active(last_update, cadence.allowed_s, cadence.quiet_days, cadence.quiet_hours)
    lag = (now - last_update).total_seconds()
    return Freshness(now > deadline, lag, deadline, f"learned: updated {cadence.label}")


def judge_within(last_update: datetime, now: datetime, within: timedelta) -> Freshness:
    deadline = last_update + within
    return Freshness(
        now > deadline,
        (now - last_update).total_seconds(),
        deadline,
        f"declared: within {_human(within.total_seconds())}",
    )


def judge_schedule(last_update: datetime | None, now: datetime, schedule: str, grace: timedelta) -> Freshness:
    """Cron-aware SLA: after each tick of ``schedule`` an update must land within ``grace``."""
    itr = croniter(schedule, now - grace)
    tick: datetime = itr.get_prev(datetime)
    deadline = tick + grace
    late = last_update is None or last_update < tick
    lag = (now - last_update).total_seconds() if last_update else math.inf
    if not late:
        deadline = croniter(schedule, now).get_next(datetime) + grace
    return Freshness(late, lag, deadline, f"declared: schedule {schedule} + {_human(grace.total_seconds())}")
