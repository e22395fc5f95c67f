"""The cost ledger: recompute a source's cost lines for the days whose queries or meters changed.

This is the job that turns stored history into stored costs. It reads each dirty day's queries and
meters, runs the pure cost model (:mod:`observer.attribution.cost`) with the platform's method and
prices, and replaces the day's lines and clears its mark in one transaction. Which method applies is
decided by the source's platform:

=====================  ============================================  ===================================
platform               metered by                                    priced by
=====================  ============================================  ===================================
snowflake              WAREHOUSE_METERING_HISTORY credits            ``snowflake_credit_usd`` / dated rates
databricks             billing usage DBUs, shared by task time       ``databricks_dbu_usd``
bigquery               each job's bytes billed (or slot-ms)          ``bigquery_tib_usd`` / slot-hour
anything else          one compute-hour per hour the server was up   ``compute_hour_usd[platform]``
=====================  ============================================  ===================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from multiprocessing.pool import Pool
from typing import Any

from sqlalchemy import Connection

from observer.attribution.cost import Usage, always_on_meters, apportion, hour_start
from observer.attribution.pricing import DatedRates, bigquery_billed_bytes, bigquery_on_demand_tib, slot_hours
from observer.config import Pricing
from observer.model import AssetKey, Attribution, MeteringRecord
from observer.store import Store, shared_url, worker_store
from observer.store.bulk import time_encoder
from observer.store.costs import (
    clear_dirty,
    day_start,
    dirty_days,
    line_row,
    mark_dirty,
    meters_between,
    replace_cost_lines,
)
from observer.store.indexes import DeferredIndexes, defers_indexes, index_on, size_hint, worth_deferring
from observer.store.queries import StoredUsage, count_queries, query_span, source_platform, usages_between
from observer.store.tables import cost_lines
from observer.store.watermarks import get_watermark, set_watermark

PLATFORM_STREAM = "platform"
METERED = frozenset({"snowflake", "databricks"})
RESERVATION = "reservation"
"""``warehouse_size`` of a BigQuery job that ran on reserved slots (priced by slot time)."""


@dataclass(frozen=True)
class CostMethod:
    kind: str
    """``metered`` (shared warehouse meters), ``time`` (always-on server) or ``jobs`` (priced per job)."""
    rates: DatedRates
    second_rate: float = 0.0
    """BigQuery: the slot-hour price (``rates`` is the TiB price)."""


def cost_method(platform: str, pricing: Pricing) -> CostMethod:
    """How ``platform``'s spend is metered and priced (see the module docstring)."""
    if platform == "snowflake":
        return CostMethod("metered", DatedRates.parse(pricing.snowflake_credit_usd, pricing.snowflake_credit_rates))
    if platform == "databricks":
        return CostMethod("metered", DatedRates(pricing.databricks_dbu_usd))
    if platform == "bigquery":
        return CostMethod("jobs", DatedRates(pricing.bigquery_tib_usd), pricing.bigquery_slot_hour_usd)
    return CostMethod("time", DatedRates(pricing.compute_hour_usd.get(platform, 0.0)))


def remember_platform(store: Store, source: str, platform: str, now: datetime) -> None:
    with store.transaction() as conn:
        if get_watermark(conn, source, PLATFORM_STREAM) != platform:
            set_watermark(conn, source, platform, now, PLATFORM_STREAM)


class _Attributions:
    """One shared :class:`Attribution` per distinct stored value (a million lines, a few thousand values)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str | None, ...], Attribution | None] = {}

    def __call__(self, u: StoredUsage) -> Attribution | None:
        key = (u.asset_key, u.owner, u.team, u.rule, u.reason)
        if key not in self._cache:
            self._cache[key] = (
                None
                if u.rule is None
                else Attribution(AssetKey.from_stored(u.asset_key) if u.asset_key else None, u.owner, u.team, u.rule, u.reason or "")
            )
        return self._cache[key]


def _usages(rows: Sequence[StoredUsage], attribution: _Attributions) -> list[Usage]:
    out = []
    for r in rows:
        if not r.warehouse:
            continue
        waits = (r.compilation_ms or 0.0) + (r.queued_ms or 0.0)
        start = r.start_time + timedelta(milliseconds=waits) if waits > 0 else r.start_time
        if start > r.end_time:
            start = r.end_time
        out.append(
            Usage(
                r.query_id, r.warehouse, r.start_time, start, r.end_time, r.compute_weight,
                r.cloud_services_credits or 0.0, r.qas_bytes_scanned or 0, attribution(r), r.user_name, r.fingerprint,
            )
        )
    return out


def _job_lines(
    source: str, rows: Sequence[StoredUsage], day: date, method: CostMethod, attribution: _Attributions,
    encode_time: Callable[[datetime], Any],
) -> list[tuple[Any, ...]]:
    """BigQuery: each job priced on its own (bytes billed, or slot time on a reservation); encoded rows."""
    out = []
    for r in rows:
        if r.start_time.astimezone(UTC).date() != day:
            continue
        hour = hour_start(r.start_time)
        if r.warehouse_size == RESERVATION:
            credits = slot_hours(r.slot_ms or 0)
            usd, kind = credits * method.second_rate, "slot"
        else:
            billed = bigquery_billed_bytes(r.bytes_scanned or 0, bytes_billed=r.bytes_billed)
            credits = bigquery_on_demand_tib(billed)
            usd, kind = credits * method.rates.on(day), "bytes"
        if credits <= 0:
            continue
        row = line_row(source, r.warehouse or "on-demand", hour, credits, usd, kind, r.query_id, attribution(r), r.user_name, r.fingerprint)
        out.append((*row[:2], encode_time(row[2]), *row[3:]))
    return out


def _time_meters(
    source: str, spans: dict[str | None, tuple[datetime, datetime]], start: datetime, end: datetime
) -> list[MeteringRecord]:
    meters: list[MeteringRecord] = []
    for warehouse, (first, last) in spans.items():
        if warehouse is None:
            continue
        lo, hi = max(first, start), min(last, end - timedelta(microseconds=1))
        if lo <= hi:
            meters.extend(always_on_meters(source, warehouse, lo, hi))
    return meters


def _apportion_rows(
    source: str, usages: Sequence[Usage], meters: Sequence[MeteringRecord], rates: DatedRates,
    encode_time: Callable[[datetime], Any],
) -> list[tuple[Any, ...]]:
    """:func:`apportion` straight to encoded store rows in :data:`~observer.store.costs.LINE_COLUMNS`
    order (no ``CostLine`` per line; month, stored hour and attribution columns computed once
    per distinct value)."""
    out: list[tuple[Any, ...]] = []
    append = out.append
    hours: dict[datetime, tuple[str, Any]] = {}
    owners: dict[int, tuple[str | None, ...]] = {}

    def emit(u: Usage | None, wh: str, hour: datetime, credits: float, usd: float, kind: str) -> None:
        when = hours.get(hour)
        if when is None:
            when = hours[hour] = (line_row(source, wh, hour, 0.0, 0.0, kind, None, None, None, None)[1], encode_time(hour))
        month, stored = when
        if u is None:
            append((source, month, stored, wh, kind, None, credits, usd, None, None, None, None, None, None, None))
            return
        a = u.attribution
        who = owners.get(id(a))
        if who is None:
            who = owners[id(a)] = line_row(source, wh, hour, 0.0, 0.0, kind, None, a, None, None)[10:]
        append((source, month, stored, wh, kind, u.query_id, credits, usd, u.user_name, u.fingerprint, *who))

    apportion(usages, meters, rates, source=source, emit=emit)
    return out


def _day_lines(
    conn: Connection, source: str, day: date, method: CostMethod, spans: dict[str | None, tuple[datetime, datetime]],
    attribution: _Attributions,
) -> list[tuple[Any, ...]]:
    """The cost lines of ``source`` on ``day``, from the stored queries and meters, as rows encoded
    for ``conn``'s backend (``replace_cost_lines(..., encoded=True)``)."""
    start = day_start(day)
    end = start + timedelta(days=1)
    rows = usages_between(conn, source, start, end)
    encode_time = time_encoder(conn.dialect.name)
    if method.kind == "jobs":
        return _job_lines(source, rows, day, method, attribution, encode_time)
    meters = meters_between(conn, source, start, end) if method.kind == "metered" else _time_meters(source, spans, start, end)
    return _apportion_rows(source, _usages(rows, attribution), meters, method.rates, encode_time)


def _replace_day(conn: Connection, source: str, day: date, lines: Sequence[tuple[Any, ...]]) -> int:
    """Make ``day``'s stored lines exactly ``lines`` and clear its dirty mark (one transaction)."""
    start = day_start(day)
    written = replace_cost_lines(conn, source, start, start + timedelta(days=1), lines, encoded=True)
    clear_dirty(conn, source, day)
    return written


def _cost_day_in_worker(
    url: str, source: str, day: date, method: CostMethod, spans: dict[str | None, tuple[datetime, datetime]]
) -> int:
    """Recompute and store one day's lines in a worker process, on its own connections to the store
    at ``url``: read and apportion (a read transaction), then replace the day's lines and clear its
    mark (a write transaction, as :func:`materialize_costs` does inline). Returns the lines written.
    Only the count comes back: a day's lines are written where they are computed."""
    store = worker_store(url)
    with store.read() as conn:
        lines = _day_lines(conn, source, day, method, spans, _Attributions())
    with store.transaction() as conn:
        return _replace_day(conn, source, day, lines)


@dataclass
class LedgerReport:
    days: int = 0
    lines: int = 0


def materialize_costs(
    store: Store, source: str, pricing: Pricing, *, days: Iterable[date] | None = None, platform: str | None = None,
    pool: Pool | None = None,
) -> LedgerReport:
    """Recompute ``source``'s cost lines for ``days`` (default: the days marked dirty).

    With a ``pool`` of worker processes (a large ingest's), each worker reads, apportions and
    writes whole days, each day in its own transaction as here — the store serializes the writes
    (SQLite: one writer at a time, the other waits on the busy timeout).
    """
    with store.read() as conn:
        todo = sorted(set(days)) if days is not None else dirty_days(conn, source)
        platform = platform or get_watermark(conn, source, PLATFORM_STREAM) or source_platform(conn, source)
        spans = query_span(conn, source) if todo and platform and cost_method(platform, pricing).kind == "time" else {}
    report = LedgerReport()
    if not todo or platform is None:
        return report
    method = cost_method(platform, pricing)
    url = shared_url(store) if pool is not None and len(todo) > 1 else None
    deferred = _bulk_indexes(store, source, todo)
    try:
        if pool is not None and url is not None:
            jobs = [pool.apply_async(_cost_day_in_worker, (url, source, day, method, spans)) for day in todo]
            for job in jobs:
                report.lines += job.get()
                report.days += 1
            return report
        attribution = _Attributions()
        for day in todo:
            with store.transaction() as conn:
                lines = _day_lines(conn, source, day, method, spans, attribution)
                report.lines += _replace_day(conn, source, day, lines)
            report.days += 1
    finally:
        if deferred is not None:
            with store.transaction() as conn:
                deferred.restore(conn)
    return report


def _bulk_indexes(store: Store, source: str, days: Sequence[date]) -> DeferredIndexes | None:
    """The cost-line indexes, set aside when these days' queries (one line each at least) outnumber
    the lines stored (:mod:`observer.store.indexes`); the day-range index the replacement deletes
    through stays."""
    if len(days) < 2 or not defers_indexes(store.dialect):
        return None
    with store.read() as conn:
        before = size_hint(conn, cost_lines)
        incoming = count_queries(conn, source, day_start(days[0]), day_start(days[-1]) + timedelta(days=1))
    if not worth_deferring(store.dialect, before, incoming):
        return None
    deferred = DeferredIndexes(cost_lines, keep={index_on(cost_lines, "source", "hour")})
    with store.transaction() as conn:
        deferred.drop(conn)
    return deferred


def recompute_all(store: Store, source: str, pricing: Pricing, now: datetime) -> LedgerReport:
    """Mark every day with queries or meters dirty and recompute (after a price change)."""
    with store.read() as conn:
        spans = query_span(conn, source)
        first = min((s for s, _ in spans.values()), default=None)
        last = max((e for _, e in spans.values()), default=None)
        meter_days = {m.start_time.date() for m in meters_between(conn, source, datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC))}
    days = set(meter_days)
    if first and last:
        d = first.astimezone(UTC).date()
        while d <= last.astimezone(UTC).date():
            days.add(d)
            d += timedelta(days=1)
    with store.transaction() as conn:
        mark_dirty(conn, source, days, now)
    return materialize_costs(store, source, pricing)
