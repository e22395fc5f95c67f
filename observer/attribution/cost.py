"""Cost apportionment: metered warehouse spend → one cost line per query and hour (pure).

The method is the practitioners' one for Snowflake (documented with a worked example in
``docs/costs.md``), and the time-priced platforms reuse it:

1. **Execution window.** A query executes from ``start_time`` + compilation + queueing to
   ``end_time``; only that window uses the warehouse.
2. **Hourly slices.** The window is split at hour boundaries. A slice's *weight* is its execution
   milliseconds (Databricks: the query's task milliseconds, spread over its window in proportion).
3. **Compute.** Each warehouse-hour's metered compute credits are shared by the slices executing in
   that hour in proportion to their weight — so idle time inside the hour is spread pro rata. An hour
   with metered credits and no queries stays as *idle* spend of the warehouse (a line without query).
4. **Query acceleration.** An hour's acceleration credits are shared by the bytes the service scanned
   for each query (a query's bytes spread over its slices like its weight).
5. **Cloud services.** Per UTC day, only cloud-services credits beyond 10 % of the day's compute are
   billed; the billed part is shared by each query's own ``credits_used_cloud_services`` (by the day
   the query started).
6. **Dollars.** Credits × the rate of the day the credits were used (:class:`DatedRates`).

The lines of a day add up to exactly what the day was billed: compute + billable cloud services +
acceleration. Time-priced platforms (PostgreSQL, DuckDB, Redshift) meter "one compute-hour per hour
the server was up" with :func:`always_on_meters` and price it per hour.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from observer.attribution.pricing import DatedRates
from observer.model import Attribution, CostLine, MeteringRecord

HOUR_S = 3600
CLOUD_SERVICES_ALLOWANCE = 0.10
CLOUD_SERVICES_WAREHOUSE = "CLOUD_SERVICES"
"""Warehouse label of billable cloud-services credits no query used (their share has no owner)."""


class Usage(NamedTuple):
    """What one query used of a metered warehouse, as the cost model needs it (an immutable named
    tuple: the ledger builds one per query, a million per recomputation)."""

    query_id: str
    warehouse: str
    submitted: datetime
    """``start_time``: cloud services are billed to the day a query was submitted."""
    execution_start: datetime
    """``start_time`` + compilation + queueing (see :func:`execution_start`)."""
    end: datetime
    weight: float | None = None
    """Measured weight of the query over its window (Snowflake attributed credits, Databricks task-ms);
    ``None`` = its execution milliseconds. In an hour where some query has a measured weight, queries
    without one weigh nothing."""
    cloud_services_credits: float = 0.0
    acceleration_bytes: int = 0
    attribution: Attribution | None = None
    user_name: str | None = None
    fingerprint: str | None = None


def execution_start(start: datetime, *waits_ms: float) -> datetime:
    """When execution began: ``start`` plus compilation, queueing and other waits (milliseconds).

    The result never passes ``end`` in callers that clamp it; negative waits count as zero.
    """
    return start + timedelta(milliseconds=sum(w for w in waits_ms if w and w > 0))


def hour_start(moment: datetime) -> datetime:
    """The UTC hour ``moment`` falls in."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def always_on_meters(
    source: str, warehouse: str, first: datetime, last: datetime, per_hour: float = 1.0
) -> list[MeteringRecord]:
    """One meter per hour from ``first``'s hour through ``last``'s: a server that is always up.

    Time-priced platforms cost the same whether busy or idle, so every hour is metered as
    ``per_hour`` compute-hours and priced by the configured hourly price.
    """
    out = []
    hour = hour_start(first)
    stop = hour_start(last)
    while hour <= stop:
        out.append(MeteringRecord(source, warehouse, hour, hour + timedelta(hours=1), per_hour))
        hour += timedelta(hours=1)
    return out


class _Hours:
    """Hour index ↔ aware datetime, cached (the same few thousand hours recur a million times)."""

    def __init__(self) -> None:
        self._cache: dict[int, datetime] = {}

    def __call__(self, index: int) -> datetime:
        found = self._cache.get(index)
        if found is None:
            found = self._cache[index] = datetime.fromtimestamp(index * HOUR_S, UTC)
        return found


Emit = Callable[[Usage | None, str, datetime, float, float, str], None]
"""Receives each line as (usage or None for idle, warehouse, hour, credits, dollars, kind)."""


def apportion(
    usages: Sequence[Usage],
    meters: Iterable[MeteringRecord],
    rates: DatedRates,
    *,
    source: str,
    cloud_services_allowance: float = CLOUD_SERVICES_ALLOWANCE,
    emit: Emit | None = None,
) -> list[CostLine]:
    """Share metered credits among ``usages``; see the module docstring for the method.

    Returns lines ordered by (hour, warehouse, kind, query id). Usages in hours without a meter cost
    nothing (the warehouse was not billed for them, e.g. result-cache hits); meters of hours without
    usages become ``idle`` lines with ``query_id=None``. With ``emit``, each line is handed to it
    instead (unordered) and the returned list is empty — the store writes millions of lines
    without building a :class:`CostLine` for each.
    """
    hours = _Hours()
    compute: dict[tuple[str, int], float] = defaultdict(float)
    acceleration: dict[tuple[str, int], float] = defaultdict(float)
    day_compute: dict[date, float] = defaultdict(float)
    day_cloud: dict[date, float] = defaultdict(float)
    for m in meters:
        start_h = int(m.start_time.timestamp() // HOUR_S)
        span = max(1, round((m.end_time - m.start_time).total_seconds() / HOUR_S))
        for h in range(start_h, start_h + span):
            compute[(m.warehouse, h)] += m.credits_compute / span
            if m.credits_acceleration:
                acceleration[(m.warehouse, h)] += m.credits_acceleration / span
        day = m.start_time.astimezone(UTC).date()
        day_compute[day] += m.credits_compute
        day_cloud[day] += m.credits_cloud_services

    # slices[(warehouse, hour)] = [(usage index, weight, acceleration bytes), ...]; hours in which some
    # query carries a measured weight share by measured weights only (the others weigh nothing: the
    # source measured them as negligible), other hours by execution time.
    slices: dict[tuple[str, int], list[tuple[int, float, float]]] = defaultdict(list)
    measured: set[tuple[str, int]] = set()
    for i, u in enumerate(usages):
        s = u.execution_start.timestamp()
        e = u.end.timestamp()
        if e <= s:
            continue
        explicit = u.weight is not None
        total: float = u.weight if u.weight is not None else (e - s) * 1000.0
        qas = float(u.acceleration_bytes)
        h0 = int(s // HOUR_S)
        h1 = int((e - 1e-6) // HOUR_S)
        if h0 == h1:
            slices[(u.warehouse, h0)].append((i, total, qas))
            if explicit:
                measured.add((u.warehouse, h0))
            continue
        width = e - s
        for h in range(h0, h1 + 1):
            part = (min(e, (h + 1) * HOUR_S) - max(s, h * HOUR_S)) / width
            slices[(u.warehouse, h)].append((i, total * part, qas * part))
            if explicit:
                measured.add((u.warehouse, h))
    for key in measured:
        slices[key] = [(i, w if usages[i].weight is not None else 0.0, b) for i, w, b in slices[key]]

    lines: list[CostLine] = []
    rate_of: dict[date, float] = {}

    def rate(hour: datetime) -> float:
        day = hour.date()
        r = rate_of.get(day)
        if r is None:
            r = rate_of[day] = rates.on(day)
        return r

    def line(u: Usage | None, warehouse: str, hour: datetime, credits: float, kind: str) -> None:
        if emit is not None:
            emit(u, warehouse, hour, credits, credits * rate(hour), kind)
        elif u is None:
            lines.append(CostLine(source, warehouse, hour, credits, credits * rate(hour), None, kind))
        else:
            lines.append(
                CostLine(
                    source, warehouse, hour, credits, credits * rate(hour), u.query_id, kind,
                    u.attribution, u.user_name, u.fingerprint,
                )
            )

    for (warehouse, h), credits in compute.items():
        hour = hours(h)
        parts = slices.get((warehouse, h), ())
        weight = sum(p[1] for p in parts)
        if credits and weight > 0:
            per_weight = credits / weight
            for i, w, _ in parts:
                if w > 0:
                    line(usages[i], warehouse, hour, w * per_weight, "compute")
        elif credits:
            line(None, warehouse, hour, credits, "idle")

    for (warehouse, h), credits in acceleration.items():
        if not credits:
            continue
        hour = hours(h)
        parts = slices.get((warehouse, h), ())
        scanned = sum(p[2] for p in parts)
        if scanned > 0:
            per_byte = credits / scanned
            for i, _, b in parts:
                if b > 0:
                    line(usages[i], warehouse, hour, b * per_byte, "acceleration")
        else:
            line(None, warehouse, hour, credits, "acceleration")

    by_day: dict[date, list[Usage]] = defaultdict(list)
    for u in usages:
        if u.cloud_services_credits > 0:
            by_day[u.submitted.astimezone(UTC).date()].append(u)
    for day, cloud in day_cloud.items():
        billable = cloud - cloud_services_allowance * day_compute.get(day, 0.0)
        if billable <= 1e-12:
            continue
        users = by_day.get(day, [])
        used = sum(u.cloud_services_credits for u in users)
        if used <= 0:
            midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
            line(None, CLOUD_SERVICES_WAREHOUSE, midnight, billable, "cloud_services")
            continue
        for u in users:
            line(u, u.warehouse, hour_start(u.submitted), billable * u.cloud_services_credits / used, "cloud_services")

    lines.sort(key=lambda c: (c.hour, c.warehouse, c.kind, c.query_id or ""))
    return lines


def billed_credits(meters: Iterable[MeteringRecord], allowance: float = CLOUD_SERVICES_ALLOWANCE) -> float:
    """What ``meters`` were billed in credits: compute + acceleration + cloud services beyond the
    daily allowance. The lines :func:`apportion` returns for the same meters add up to this."""
    day_compute: dict[date, float] = defaultdict(float)
    day_cloud: dict[date, float] = defaultdict(float)
    total = 0.0
    for m in meters:
        total += m.credits_compute + m.credits_acceleration
        day = m.start_time.astimezone(UTC).date()
        day_compute[day] += m.credits_compute
        day_cloud[day] += m.credits_cloud_services
    return total + sum(max(0.0, c - allowance * day_compute[d]) for d, c in day_cloud.items())
