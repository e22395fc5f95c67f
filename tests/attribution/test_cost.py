"""The cost model, checked against hand-computed numbers (the worked example of docs/costs.md)."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from observer.attribution.cost import (
    CLOUD_SERVICES_WAREHOUSE,
    Usage,
    always_on_meters,
    apportion,
    billed_credits,
    execution_start,
)
from observer.attribution.pricing import DatedRates
from observer.model import MeteringRecord

DOC = Path(__file__).resolve().parents[2] / "docs" / "costs.md"
DAY = datetime(2026, 3, 2, tzinfo=UTC)


def at(hh: int, mm: int = 0, ss: int = 0, day: datetime = DAY) -> datetime:
    return day + timedelta(hours=hh, minutes=mm, seconds=ss)


def meter(hh: int, compute: float, cloud: float = 0.0, accel: float = 0.0, wh: str = "TRANSFORMING") -> MeteringRecord:
    return MeteringRecord("sf", wh, at(hh), at(hh + 1), compute, cloud, None, accel)


def usage(qid: str, start: datetime, compile_ms: float, queued_ms: float, exec_ms: float, cs: float = 0.0,
          qas: int = 0, wh: str = "TRANSFORMING") -> Usage:
    ex = execution_start(start, compile_ms, queued_ms)
    return Usage(qid, wh, start, ex, ex + timedelta(milliseconds=exec_ms), None, cs, qas)


# The worked example (docs/costs.md, "A worked example").
EXAMPLE_METERS = [meter(9, 0.9, 0.30), meter(10, 0.6, 0.02, accel=0.1), meter(11, 0.2)]
EXAMPLE_USAGES = [
    usage("Q1", at(9, 10), 60_000, 0, 12 * 60_000, cs=0.10),
    usage("Q2", at(9, 40), 60_000, 60_000, 38 * 60_000, cs=0.05),
    usage("Q3", at(10, 30), 0, 0, 10 * 60_000, cs=0.05, qas=2**30),
]
EXAMPLE_RATES = DatedRates(3.0, {date(2026, 3, 1): 2.5})


def totals(lines: list) -> dict[str, tuple[float, float]]:
    out: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for line in lines:
        key = line.query_id or f"idle:{line.warehouse}"
        out[key][0] += line.credits
        out[key][1] += line.cost_usd
    return {k: (v[0], v[1]) for k, v in out.items()}


def test_worked_example_matches_hand_computed_values() -> None:
    lines = apportion(EXAMPLE_USAGES, EXAMPLE_METERS, EXAMPLE_RATES, source="sf")
    by = {(c.query_id, c.hour.hour, c.kind): c.credits for c in lines}
    # hour 09: 0.9 credits over 12 + 18 execution minutes
    assert by[("Q1", 9, "compute")] == pytest.approx(0.9 * 12 / 30)
    assert by[("Q2", 9, "compute")] == pytest.approx(0.9 * 18 / 30)
    # hour 10: 0.6 credits over Q2's 20 and Q3's 10 minutes; acceleration all Q3's
    assert by[("Q2", 10, "compute")] == pytest.approx(0.4)
    assert by[("Q3", 10, "compute")] == pytest.approx(0.2)
    assert by[("Q3", 10, "acceleration")] == pytest.approx(0.1)
    # hour 11: nobody ran → idle
    assert by[(None, 11, "idle")] == pytest.approx(0.2)
    # cloud services: 0.32 used − 10 % × 1.7 compute = 0.15 billable, shared 0.10 : 0.05 : 0.05
    assert by[("Q1", 9, "cloud_services")] == pytest.approx(0.075)
    assert by[("Q2", 9, "cloud_services")] == pytest.approx(0.0375)
    assert by[("Q3", 10, "cloud_services")] == pytest.approx(0.0375)
    t = totals(lines)
    assert t["Q1"] == pytest.approx((0.435, 1.0875))
    assert t["Q2"] == pytest.approx((0.9775, 2.44375))
    assert t["Q3"] == pytest.approx((0.3375, 0.84375))
    assert t["idle:TRANSFORMING"] == pytest.approx((0.2, 0.5))
    assert sum(c.credits for c in lines) == pytest.approx(1.95) == billed_credits(EXAMPLE_METERS)


def test_the_documented_example_shows_the_computed_numbers() -> None:
    """The result table in docs/costs.md is what the code computes (the doc cannot drift)."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("<!-- example-results -->")[1].split("<!-- /example-results -->")[0]
    rows = re.findall(r"^\|\s*(Q\d|idle:\w+)\s*\|.*?\|\s*([\d.]+)\s*\|\s*\$([\d.]+)\s*\|\s*$", section, re.M)
    assert len(rows) == 4
    t = totals(apportion(EXAMPLE_USAGES, EXAMPLE_METERS, EXAMPLE_RATES, source="sf"))
    for key, credits, dollars in rows:
        assert t[key][0] == pytest.approx(float(credits), abs=5e-5)
        assert t[key][1] == pytest.approx(float(dollars), abs=5e-3)


def test_dated_rates_price_each_day_by_its_own_rate() -> None:
    d1, d2 = datetime(2026, 2, 28, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)
    meters = [MeteringRecord("sf", "W", d1, d1 + timedelta(hours=1), 1.0),
              MeteringRecord("sf", "W", d2, d2 + timedelta(hours=1), 1.0)]
    lines = apportion([], meters, EXAMPLE_RATES, source="sf")
    assert [(c.hour.date(), c.cost_usd) for c in lines] == [(d1.date(), 3.0), (d2.date(), 2.5)]


def test_cloud_services_within_the_allowance_cost_nothing() -> None:
    meters = [meter(9, 1.0, 0.1)]  # exactly 10 %
    lines = apportion([usage("Q", at(9, 5), 0, 0, 60_000, cs=0.1)], meters, EXAMPLE_RATES, source="sf")
    assert [c.kind for c in lines] == ["compute"]


def test_billable_cloud_services_without_queries_stay_unassigned() -> None:
    lines = apportion([], [meter(9, 0.0, 0.5, wh="CLOUD_SERVICES_ONLY")], EXAMPLE_RATES, source="sf")
    assert [(c.warehouse, c.kind, c.query_id, c.credits) for c in lines] == [
        (CLOUD_SERVICES_WAREHOUSE, "cloud_services", None, pytest.approx(0.5))
    ]


def test_a_query_spanning_three_hours_is_sliced_by_time() -> None:
    q = usage("long", at(9, 30), 0, 0, 120 * 60_000)  # 09:30 → 11:30
    meters = [meter(9, 1.0), meter(10, 1.0), meter(11, 1.0)]
    lines = apportion([q, usage("short", at(11, 40), 0, 0, 10 * 60_000)], meters, EXAMPLE_RATES, source="sf")
    by = {(c.query_id, c.hour.hour): c.credits for c in lines}
    assert by[("long", 9)] == pytest.approx(1.0)
    assert by[("long", 10)] == pytest.approx(1.0)
    # hour 11: long ran 30 min, short 10 min
    assert by[("long", 11)] == pytest.approx(0.75)
    assert by[("short", 11)] == pytest.approx(0.25)


def test_explicit_weights_replace_execution_time() -> None:
    """Databricks: DBUs shared by task time, not wall time; the weight spreads over the window."""
    a = Usage("a", "W", at(9), at(9), at(9, 30), weight=300.0)
    b = Usage("b", "W", at(9), at(9), at(9, 30), weight=100.0)
    lines = apportion([a, b], [meter(9, 2.0, wh="W")], DatedRates(0.7), source="dbx")
    assert {c.query_id: c.credits for c in lines} == {"a": pytest.approx(1.5), "b": pytest.approx(0.5)}


def test_concurrent_queries_share_an_hour_instead_of_each_paying_it() -> None:
    """The naive runtime × size method would bill 3 × 1 credit for three concurrent 1-hour queries."""
    qs = [usage(f"q{i}", at(9), 0, 0, 3_600_000) for i in range(3)]
    lines = apportion(qs, [meter(9, 1.0)], EXAMPLE_RATES, source="sf")
    assert [c.credits for c in lines] == pytest.approx([1 / 3] * 3)


def test_queries_in_unmetered_hours_cost_nothing_and_zero_length_queries_are_skipped() -> None:
    qs = [usage("cached", at(9, 1), 0, 0, 0), usage("other-day", at(9, 1, day=DAY + timedelta(days=1)), 0, 0, 1000)]
    assert apportion(qs, [meter(9, 1.0)], EXAMPLE_RATES, source="sf")[0].query_id is None


def test_always_on_meters_cover_every_hour_between_first_and_last() -> None:
    ms = always_on_meters("pg", "main", at(9, 59), at(12, 0))
    assert [m.start_time.hour for m in ms] == [9, 10, 11, 12]
    assert {m.credits_compute for m in ms} == {1.0}


def test_measured_weights_win_within_their_hour_and_unmeasured_queries_weigh_nothing_there() -> None:
    """QUERY_ATTRIBUTION_HISTORY omits very short queries: where it measured, it decides."""
    a = Usage("a", "W", at(9), at(9), at(9, 30), weight=0.3)
    b = Usage("b", "W", at(9), at(9), at(9, 30), weight=0.1)
    tiny = Usage("tiny", "W", at(9), at(9), at(9, 0, 1))
    late = Usage("late", "W", at(10), at(10), at(10, 30))  # next hour: not measured yet
    lines = apportion([a, b, tiny, late], [meter(9, 2.0, wh="W"), meter(10, 1.0, wh="W")], DatedRates(3.0), source="sf")
    assert {c.query_id: c.credits for c in lines} == {"a": pytest.approx(1.5), "b": pytest.approx(0.5), "late": pytest.approx(1.0)}
