"""The volume model on series a user would recognise: seasonal, weekday-only, growing, broken."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from checks.anomaly import DetectorState, Sensitivity, detect

START = datetime(2026, 3, 2, 4, 10, tzinfo=UTC)  # a Monday


def daily(days: int, value, seed: int = 1, sd: float = 0.05) -> list[tuple[datetime, float]]:
    rng = random.Random(seed)
    out = []
    for d in range(days):
        at = START + timedelta(days=d)
        base = value(at, d)
        out.append((at, 0.0 if base == 0 else round(base * rng.uniform(1 - 2 * sd, 1 + 2 * sd))))
    return out


def test_too_little_history_gives_no_verdict_and_no_bounds():
    points = daily(12, lambda at, d: 1000)
    judged, _ = detect(points)
    assert all(j.expected_low is None and j.expected_high is None and not j.anomaly for j in judged)
    assert {j.reason for j in judged} == {"too_little_history"}


def test_each_point_is_judged_only_on_earlier_points():
    points = daily(40, lambda at, d: 1000)
    judged, _ = detect(points)
    changed = points[:30] + [(t, v * 5) for t, v in points[30:]]
    judged_changed, _ = detect(changed)
    assert [j.as_row() for j in judged[:30]] == [j.as_row() for j in judged_changed[:30]]
    assert judged_changed[30].anomaly and not judged[30].anomaly


def test_drop_zero_and_duplicate_spike_are_found_with_an_expected_range():
    points = daily(45, lambda at, d: 5000)
    points[30] = (points[30][0], 1500.0)  # 70 % short
    points[35] = (points[35][0], 0.0)  # nothing loaded
    points[40] = (points[40][0], points[40][1] * 2)  # loaded twice
    judged, state = detect(points)
    flagged = [i for i, j in enumerate(judged) if j.anomaly]
    assert flagged == [30, 35, 40]
    j = judged[30]
    assert j.expected_low is not None and j.expected_high is not None
    assert j.expected_low < 5000 < j.expected_high and j.reason == "below"
    assert judged[40].reason == "above"
    # the anomalies stay out of training
    assert {points[i][0].timestamp() for i in (30, 35, 40)} <= state.excluded


def test_weekend_off_table_is_quiet_on_weekends_but_a_weekday_zero_alerts():
    points = daily(60, lambda at, d: 0 if at.weekday() >= 5 else 800, seed=3)
    judged, _ = detect(points)
    assert not any(j.anomaly for j in judged)
    saturday = next(j for j in judged[20:] if j.timestamp.weekday() == 5)
    assert saturday.expected_low == 0.0 and not saturday.anomaly
    broken = list(points)
    wednesday = next(i for i in range(40, 60) if points[i][0].weekday() == 2)
    broken[wednesday] = (points[wednesday][0], 0.0)
    judged, _ = detect(broken)
    assert [i for i, j in enumerate(judged) if j.anomaly] == [wednesday]


def test_monday_loads_carrying_the_weekend_are_learned_not_flagged():
    rng = random.Random(5)
    points = []
    for d in range(70):
        at = START + timedelta(days=d, hours=14)
        if at.weekday() < 5:
            points.append((at, round(300 * (2 if at.weekday() == 0 else 1) * rng.gauss(1, 0.05))))
    judged, _ = detect(points)
    assert not any(j.anomaly for j in judged)
    assert "day-of-week" in (judged[-1].model or "")


def test_steady_growth_alone_never_alerts():
    for seed in range(4):
        points = daily(90, lambda at, d: 1000 * (1 + 0.012 * d), seed=seed, sd=0.04)
        judged, _ = detect(points)
        assert not any(j.anomaly for j in judged), seed


def test_level_shift_alerts_briefly_then_becomes_normal():
    points = daily(70, lambda at, d: 2000 if d < 40 else 4200, seed=7)
    judged, state = detect(points)
    flagged = [i for i, j in enumerate(judged) if j.anomaly]
    assert flagged and flagged[0] == 40 and max(flagged) <= 42
    assert state.changepoints and state.changepoints[0] == points[40][0].timestamp()


def test_hourly_series_with_a_daily_shape_catches_a_night_time_drop():
    rng = random.Random(11)
    shape = [1, 1, 1, 1, 1, 2, 4, 8, 10, 10, 9, 9, 9, 9, 9, 8, 8, 8, 7, 6, 4, 3, 2, 1]
    points = []
    for h in range(24 * 24):
        at = START + timedelta(hours=h)
        points.append((at, round(40 * shape[at.hour] * rng.gauss(1, 0.06))))
    target = next(i for i in range(24 * 20, 24 * 22) if points[i][0].hour == 9)
    points[target] = (points[target][0], points[target][1] * 0.45)
    judged, _ = detect(points)
    assert [i for i, j in enumerate(judged) if j.anomaly] == [target]
    assert "hour-of-day" in (judged[target].model or "")


@pytest.mark.parametrize("sensitivity", list(Sensitivity))
def test_sensitivity_orders_the_band_width(sensitivity):
    points = daily(30, lambda at, d: 1000, seed=2)
    judged, _ = detect(points, sensitivity)
    j = judged[-1]
    assert j.expected_low is not None and j.expected_high is not None
    width = j.expected_high - j.expected_low
    other, _ = detect(points, Sensitivity.HIGH)
    assert width >= (other[-1].expected_high - other[-1].expected_low) - 1e-9


def test_judging_from_a_saved_state_matches_judging_in_one_go():
    points = daily(50, lambda at, d: 900, seed=4)
    points[33] = (points[33][0], 100.0)
    whole, _ = detect(points)
    first, state = detect(points[:40])
    rest, _ = detect(points, judge_from=40, state=state)
    assert [j.as_row() for j in whole[40:]] == [j.as_row() for j in rest]
    assert isinstance(state, DetectorState)


def test_unsorted_points_are_refused():
    points = daily(5, lambda at, d: 1)
    with pytest.raises(ValueError, match="sorted"):
        detect(list(reversed(points)))
