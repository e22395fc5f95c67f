"""The demo's calendar: every date the story hangs on, derived from ``as_of`` alone.

The generator never reads the clock. Everything that happens in the demo company is placed relative
to the ``as_of`` instant it is given, so the same ``(as_of, seed)`` always tells the same story:

* the query history covers the two full calendar months before ``as_of``'s month and the current
  month up to ``as_of`` (September 1 → November 22 for an ``as_of`` of November 22);
* the warehouse's raw tables hold 60 days of loads;
* the spend incident starts 16 days before the end of the last full month (the 16th of a 31-day
  month), so that month's bill is 3–4x the month before;
* the data incidents (late table, volume drop, schema change) sit in the last two days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

RAW_HISTORY_DAYS = 60


def _month_start(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + (moment.month - 1) + months
    return _month_start(index // 12, index % 12 + 1)


@dataclass(frozen=True)
class Timeline:
    """Named instants of the demo story (all timezone-aware UTC)."""

    as_of: datetime
    history_start: datetime  # first day of the month two months before as_of's month
    baseline_month: datetime  # first day of the month before the incident month
    incident_month: datetime  # first day of the last full month
    current_month: datetime  # first day of as_of's month
    spend_incident_start: datetime  # REPORTING resized, live dashboard switched on
    full_refresh_start: datetime  # fct_web_sessions switched from incremental to table
    raw_start: datetime  # first raw load day (midnight)
    late_table_last_load: datetime  # last load of the late table
    schema_change_at: datetime  # the upstream column rename lands in raw
    volume_drop_day: date  # the day whose events arrived ~70% short

    @property
    def days(self) -> list[date]:
        """Every calendar day of the query history, ``history_start`` through ``as_of``'s day."""
        first = self.history_start.date()
        count = (self.as_of.date() - first).days + 1
        return [first + timedelta(days=i) for i in range(count)]

    @property
    def raw_days(self) -> list[date]:
        first = self.raw_start.date()
        count = (self.as_of.date() - first).days + 1
        return [first + timedelta(days=i) for i in range(count)]

    def month_label(self, moment: datetime) -> str:
        return f"{moment.year:04d}-{moment.month:02d}"


def build_timeline(as_of: datetime) -> Timeline:
    """Place the story's events relative to ``as_of`` (naive datetimes are taken as UTC)."""
    if as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=UTC)
    as_of = as_of.astimezone(UTC).replace(microsecond=0)
    current = _month_start(as_of.year, as_of.month)
    incident_month = _add_months(current, -1)
    baseline = _add_months(current, -2)
    day0 = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC)
    return Timeline(
        as_of=as_of,
        history_start=baseline,
        baseline_month=baseline,
        incident_month=incident_month,
        current_month=current,
        spend_incident_start=(current - timedelta(days=16)).replace(hour=9, minute=40),
        full_refresh_start=(current - timedelta(days=14)),
        raw_start=day0 - timedelta(days=RAW_HISTORY_DAYS),
        late_table_last_load=(as_of - timedelta(hours=50)).replace(minute=12, second=0),
        schema_change_at=(day0 - timedelta(days=1)).replace(hour=15),
        volume_drop_day=_last_daily_load(as_of) - timedelta(days=1),
    )


WEB_EVENTS_LOAD_HOUR = 4
WEB_EVENTS_LOAD_MINUTE = 10


def _last_daily_load(as_of: datetime) -> date:
    """The day of the most recent 04:10 events load at or before ``as_of``."""
    today = as_of.date()
    loaded_today = (as_of.hour, as_of.minute) >= (WEB_EVENTS_LOAD_HOUR, WEB_EVENTS_LOAD_MINUTE)
    return today if loaded_today else today - timedelta(days=1)
