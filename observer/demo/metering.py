"""WAREHOUSE_METERING_HISTORY and QUERY_ATTRIBUTION_HISTORY derived from the simulated queries.

A warehouse runs while it executes something and for ``auto_suspend`` seconds after the last
execution ends (each resume bills at least 60 s). Per warehouse-hour:

* ``CREDITS_USED_COMPUTE`` = running seconds in the hour × the size's credits per hour / 3600;
* ``CREDITS_ATTRIBUTED_COMPUTE_QUERIES`` = seconds in the hour during which at least one query
  executed × the same rate (so it never exceeds compute; the rest is idle time);
* ``CREDITS_USED_CLOUD_SERVICES`` = the queries' own cloud-services credits, by start hour.

Each query's share of an hour's attributed credits is its execution time in that hour divided among
the queries running at the same moment — which is what QUERY_ATTRIBUTION_HISTORY reports.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from observer.demo.company import CREDITS_PER_HOUR, WAREHOUSES
from observer.demo.workload import SimQuery

MIN_BILLED_S = 60.0


@dataclass(frozen=True)
class MeteringRow:
    start: datetime
    warehouse: str
    warehouse_id: int
    compute: float
    cloud_services: float
    attributed: float

    @property
    def end(self) -> datetime:
        return self.start + timedelta(hours=1)


def _epoch(moment: datetime) -> float:
    return (moment - datetime(1970, 1, 1)).total_seconds()


def _hour_slices(start: float, end: float) -> list[tuple[int, float]]:
    """Split [start, end) into (hour index, seconds) pieces."""
    out = []
    while start < end:
        hour = int(start // 3600)
        stop = min(end, (hour + 1) * 3600)
        out.append((hour, stop - start))
        start = stop
    return out


def meter(queries: list[SimQuery], size_at: dict[str, list[tuple[datetime, str]]]
          ) -> tuple[list[MeteringRow], dict[str, float]]:
    """Metering rows per warehouse-hour, and credits attributed to each query id.

    ``size_at`` lists, per warehouse, (from, size) changes in time order.
    """
    rows: list[MeteringRow] = []
    per_query: dict[str, float] = defaultdict(float)
    for wh in WAREHOUSES:
        changes = [(_epoch(t), s) for t, s in size_at.get(wh.name, [(datetime(1970, 1, 1), wh.size)])]

        def rate(at: float, changes: list[tuple[float, str]] = changes) -> float:
            size = changes[0][1]
            for t, s in changes:
                if t <= at:
                    size = s
            return CREDITS_PER_HOUR[size] / 3600.0

        mine = sorted((q for q in queries if q.warehouse == wh.name), key=lambda q: (q.exec_start, q.query_id))
        compute: dict[int, float] = defaultdict(float)
        attributed: dict[int, float] = defaultdict(float)
        cloud: dict[int, float] = defaultdict(float)
        for q in mine:
            cloud[int(_epoch(q.start) // 3600)] += q.cloud_services_credits
        spans = [(_epoch(q.exec_start), _epoch(q.end), q.query_id) for q in mine if q.metered]
        # running periods: busy spans extended by auto-suspend, merged, with the 60 s minimum
        running: list[list[float]] = []
        for s, e, _ in spans:
            stop = e + wh.auto_suspend_s
            if running and s <= running[-1][1]:
                running[-1][1] = max(running[-1][1], stop)
            else:
                running.append([s, max(stop, s + MIN_BILLED_S)])
        for s, e in running:
            for hour, seconds in _hour_slices(s, e):
                compute[hour] += seconds * rate(hour * 3600.0)
        # busy time and per-query shares: sweep over span boundaries
        events = sorted([(s, 1, qid) for s, _, qid in spans] + [(e, -1, qid) for _, e, qid in spans])
        active: set[str] = set()
        last = None
        for t, kind, qid in events:
            if last is not None and active and t > last:
                for hour, seconds in _hour_slices(last, t):
                    credits = seconds * rate(hour * 3600.0)
                    attributed[hour] += credits
                    share = credits / len(active)
                    for a in active:
                        per_query[a] += share
            if kind == 1:
                active.add(qid)
            else:
                active.discard(qid)
            last = t
        for hour in sorted(set(compute) | set(cloud)):
            rows.append(MeteringRow(datetime(1970, 1, 1) + timedelta(hours=hour), wh.name, wh.warehouse_id,
                                    compute.get(hour, 0.0), cloud.get(hour, 0.0),
                                    min(attributed.get(hour, 0.0), compute.get(hour, 0.0))))
    rows.sort(key=lambda r: (r.start, r.warehouse))
    return rows, dict(per_query)


def monthly_credits(rows: list[MeteringRow]) -> dict[str, float]:
    """Total credits (compute + cloud services) per ``YYYY-MM``."""
    out: dict[str, float] = defaultdict(float)
    for r in rows:
        out[f"{r.start:%Y-%m}"] += r.compute + r.cloud_services
    return dict(out)
