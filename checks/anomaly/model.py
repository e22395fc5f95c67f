"""The volume anomaly model: judge one point on the points before it, or a whole series in order.

Method (explained for users in docs/checks/volume.md):

1. Values are counts, so they are modelled on a log scale (``log1p``): a 30 % drop is the same
   distance on a table of 100 rows as on one of 100 million, and multiplicative noise becomes additive.
2. The training window is the recent past only (8 weeks of a daily series, 3 weeks of an hourly one),
   without the points earlier judged anomalous, and never the point being judged.
3. Candidate term sets — level, + linear trend, + day-of-week, + hour-of-day, and every combination
   the window has enough cycles for — are fitted with a robust (Huber) regression, and the set with
   the lowest penalized robust error (a BIC on the MAD scale) is kept. So seasonality and trend are
   detected per series, not configured.
4. The expected range is the prediction ± z × robust scale (z by sensitivity), mapped back to counts.
   A point outside it is an anomaly and is excluded from later training windows.
5. A run of consecutive anomalies on the same side is a level shift: once confirmed, a step term is
   added at its start, the run is readmitted to training, and the new level becomes normal.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache

import numpy as np

from checks.anomaly.features import (
    DAY,
    Cadence,
    Design,
    Terms,
    cadence_of,
    candidate_terms,
    hour_of_day,
    median_step,
    weekday,
)
from checks.anomaly.robust import HUBER_K, RobustFit, huber_fit, robust_scale, single_threaded


class Sensitivity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def z(self) -> float:
        return {"low": 5.0, "medium": 4.0, "high": 3.0}[self.value]


MIN_HISTORY_DAYS = 13.5  # two weekly cycles, so day-of-week patterns can be seen before judging
MIN_POINTS = 10
LEVEL_SHIFT_RUN = 3  # consecutive same-side anomalies that make a new level
SCALE_FLOOR = 0.02  # 2 % on the log scale: a perfectly regular series still tolerates small changes
ABSOLUTE_SLACK = 1.0  # counts are integers: ±1 row is never an anomaly
WINDOW = {Cadence.SUBDAILY: 21 * DAY, Cadence.DAILY: 56 * DAY}
RESELECT = {Cadence.SUBDAILY: DAY, Cadence.DAILY: 7 * DAY, Cadence.COARSE: 28 * DAY}
"""How long a chosen term set is kept before the terms are selected again (one seasonal cycle)."""
COARSE_WINDOW_POINTS = 52


@dataclass(frozen=True)
class Judgement:
    """The verdict on one point. Bounds are ``None`` while history is too short."""

    timestamp: datetime
    value: float
    expected: float | None
    expected_low: float | None
    expected_high: float | None
    anomaly: bool
    score: float | None = None
    """Distance from the prediction in robust standard deviations (signed)."""
    model: str | None = None
    """Which terms the chosen model used, e.g. ``level + trend + day-of-week``."""
    reason: str = "ok"
    """``ok``, ``too_little_history``, ``above``, ``below`` or ``level_shift``."""

    def as_row(self) -> dict[str, object]:
        """The backtest contract: ``{"timestamp", "value", "expected_low", "expected_high", "anomaly"}``."""
        return {
            "timestamp": self.timestamp.isoformat(),
            "value": self.value,
            "expected_low": self.expected_low,
            "expected_high": self.expected_high,
            "anomaly": self.anomaly,
        }


@dataclass(frozen=True)
class DetectorState:
    """What carries over from one judged point to the next (and from one check run to the next)."""

    excluded: frozenset[float] = frozenset()
    """Timestamps (epoch s) judged anomalous and kept out of training."""
    changepoints: tuple[float, ...] = ()
    """Starts of confirmed level shifts."""
    run: tuple[tuple[float, int], ...] = ()
    """The current run of consecutive anomalies: (timestamp, side)."""
    terms: Terms | None = None
    terms_at: float = -math.inf
    """When ``terms`` were selected; they are re-selected after a seasonal cycle of new data (:data:`RESELECT`)."""


@dataclass
class _Fitted:
    design: Design
    fit: RobustFit
    n: int


def _transform(values: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.log1p(np.maximum(values, 0.0))
    return out


def _untransform(values: float) -> float:
    return float(np.expm1(values))


def _scale(fit: RobustFit, n: int, p: int) -> float:
    """Residual scale corrected for the parameters the fit spent (small windows underestimate it)."""
    return fit.scale * math.sqrt(n / max(n - p, 1))


Z_999 = 3.090232  # standard normal 99.9 % quantile


def _t_quantile(p: float, df: int) -> float:
    """Student's t quantile: exact for 1 and 2 degrees of freedom, a Cornish–Fisher expansion above
    (at p = 0.999: 3 % low at 3 degrees of freedom, within 1 % from 4 on)."""
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    z = Z_999 if abs(p - 0.999) < 1e-12 else _normal_quantile(p)
    v = float(df)
    return (
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
        + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * v**4)
    )


def _normal_quantile(p: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(p)


@lru_cache(maxsize=256)
def _small_sample_factor(df: int) -> float:
    """Widen the band when few points are left per parameter: the scale itself is then uncertain.

    The ratio of Student's t to the normal 99.9 % quantile: 1.69 with 6 degrees of freedom, 1.07 with 40.
    """
    return _t_quantile(0.999, max(df, 1)) / Z_999


def _huber_loss(u: np.ndarray) -> float:
    a = np.abs(u)
    return float(np.sum(np.where(a <= HUBER_K, 0.5 * a**2, HUBER_K * a - 0.5 * HUBER_K**2)))


def _select(ts: np.ndarray, y: np.ndarray, cadence: Cadence, changepoints: tuple[float, ...]) -> Terms:
    """The term set with the lowest robust information criterion.

    Every candidate's residuals are measured on one common scale (the richest model's), with the
    Huber loss: unlike a MAD, it still counts the points a poorer model cannot explain (every Monday of a
    table whose Monday load carries the weekend), while a term that explains nothing loses to its
    ``½·log n`` penalty per column.
    """
    fits: list[tuple[Terms, np.ndarray, int]] = []
    for terms in candidate_terms(ts, cadence):
        x = Design.for_training(ts, terms, changepoints).matrix(ts)
        if x.shape[1] + 3 > ts.size:
            continue
        fit = huber_fit(x, y)
        fits.append((terms, y - x @ fit.coef, x.shape[1]))
    if not fits:
        return Terms()
    _terms, resid, p = max(fits, key=lambda f: f[2])
    common = max(robust_scale(resid) * math.sqrt(ts.size / max(ts.size - p, 1)), SCALE_FLOOR / 4)
    n = ts.size
    return min(fits, key=lambda f: _huber_loss(f[1] / common) + 0.5 * f[2] * math.log(n))[0]


def _window(ts: np.ndarray, values: np.ndarray, target: float) -> tuple[np.ndarray, np.ndarray, Cadence]:
    keep = ts < target
    ts, values = ts[keep], values[keep]
    cadence = cadence_of(median_step(ts))
    if cadence is Cadence.COARSE:
        return ts[-COARSE_WINDOW_POINTS:], values[-COARSE_WINDOW_POINTS:], cadence
    recent = ts >= target - WINDOW[cadence]
    return ts[recent], values[recent], cadence


def _quiet(ts: np.ndarray, values: np.ndarray, cadence: Cadence) -> np.ndarray:
    """Which of ``ts`` fall in calendar slots that are always empty in the window.

    A weekday is quiet when every point on it was zero — seen on at least two days for a daily series,
    or for at least a full day of an hourly one (weekends of a weekday-only table); an hour of the day
    is quiet when it was always zero on the other days (nights of a business-hours table). Quiet slots
    are expected to stay empty and are left out of the regression.
    """
    if cadence is Cadence.COARSE or ts.size == 0:
        return np.zeros(ts.size, dtype=bool)
    return _quiet_at(ts, values, cadence, ts)


def _quiet_at(ts: np.ndarray, values: np.ndarray, cadence: Cadence, at: np.ndarray) -> np.ndarray:
    days = weekday(ts)
    target_days = weekday(at)
    quiet = np.zeros(at.size, dtype=bool)
    need = 2 if cadence is Cadence.DAILY else 12
    busy_days = set()
    for d in range(7):
        on_day = values[days == d]
        if on_day.size and not (on_day.size >= need and bool(np.all(on_day <= 0))):
            busy_days.add(d)
        elif on_day.size >= need:
            quiet |= target_days == d
    if cadence is Cadence.SUBDAILY:
        hours = hour_of_day(ts)
        target_hours = hour_of_day(at)
        on_busy = np.isin(days, list(busy_days))
        for h in range(24):
            in_hour = values[(hours == h) & on_busy]
            if in_hour.size >= 2 and bool(np.all(in_hour <= 0)):
                quiet |= target_hours == h
    return quiet


def judge(
    ts: np.ndarray,
    values: np.ndarray,
    target_ts: float,
    target_value: float,
    sensitivity: Sensitivity = Sensitivity.MEDIUM,
    state: DetectorState = DetectorState(),
) -> tuple[Judgement, DetectorState]:
    """Judge ``target_value`` at ``target_ts`` on the earlier points of ``ts``/``values``.

    Returns the judgement and the state to judge the next point with (the target excluded when it is
    an anomaly, level shifts confirmed, seasonal terms re-selected when due).
    """
    when = datetime.fromtimestamp(target_ts, UTC)
    win_ts, win_values, cadence = _window(ts, values, target_ts)
    span = float(win_ts[-1] - win_ts[0]) if win_ts.size else 0.0
    if win_ts.size < MIN_POINTS or (cadence is not Cadence.COARSE and span < MIN_HISTORY_DAYS * DAY):
        return Judgement(when, target_value, None, None, None, False, reason="too_little_history"), state
    active = ~_quiet(win_ts, win_values, cadence)
    target_quiet = cadence is not Cadence.COARSE and bool(
        _quiet_at(win_ts, win_values, cadence, np.array([target_ts]))[0]
    )
    a_ts, a_y = win_ts[active], _transform(win_values[active])
    if a_ts.size < MIN_POINTS:
        return Judgement(when, target_value, None, None, None, False, reason="too_little_history"), state
    excluded = np.isin(a_ts, np.fromiter(state.excluded, dtype=float, count=len(state.excluded)))
    terms = state.terms
    if terms is None or target_ts - state.terms_at >= RESELECT[cadence]:
        # Re-select the terms on every point (the robust fit copes with outliers), then keep excluding
        # only the earlier anomalies that the chosen model still cannot explain: a point flagged before
        # a weekly pattern was learnable is readmitted once the pattern is.
        terms = _select(a_ts, a_y, cadence, state.changepoints)
        design = Design.for_training(a_ts, terms, state.changepoints)
        x = design.matrix(a_ts)
        if x.shape[1] + 3 <= a_ts.size and excluded.any():
            fit = huber_fit(x, a_y)
            scale = max(_scale(fit, a_ts.size, x.shape[1]), SCALE_FLOOR)
            still = np.abs(a_y - x @ fit.coef) > sensitivity.z * scale
            released = set(a_ts[excluded & ~still].tolist())
            excluded &= still
            state = replace(state, excluded=frozenset(state.excluded - released))
        state = replace(state, terms=terms, terms_at=target_ts)
    train_ts, y = a_ts[~excluded], a_y[~excluded]
    design = Design.for_training(train_ts, terms, state.changepoints)
    x = design.matrix(train_ts)
    if x.shape[1] + 3 > train_ts.size:
        design = Design.for_training(train_ts, Terms(), state.changepoints)
        x = design.matrix(train_ts)
    fit = huber_fit(x, y)
    n, p = train_ts.size, x.shape[1]
    pred = float((design.matrix(np.array([target_ts])) @ fit.coef)[0])
    scale = max(_scale(fit, n, p), SCALE_FLOOR) * math.sqrt(1.0 + p / n)
    if not design.season_seen(target_ts):
        scale *= 1.5  # a weekday/hour never seen in training: less certain
    z = sensitivity.z * _small_sample_factor(n - p)
    high = _untransform(pred + z * scale) + ABSOLUTE_SLACK
    if target_quiet:
        # A slot that is always empty (a weekend, a night): expect nothing, accept up to a normal load.
        judgement = Judgement(
            when,
            target_value,
            0.0,
            0.0,
            high,
            target_value > high,
            None,
            terms.label() + ", quiet slot",
            "above" if target_value > high else "ok",
        )
        return judgement, state
    low = max(0.0, _untransform(pred - z * scale) - ABSOLUTE_SLACK)
    expected = _untransform(pred)
    score = (float(_transform(np.array([target_value]))[0]) - pred) / scale
    anomaly = bool(target_value < low or target_value > high)
    reason = "ok" if not anomaly else ("above" if target_value > high else "below")
    judgement = Judgement(when, target_value, expected, low, high, anomaly, score, terms.label(), reason)
    return judgement, _advance(state, target_ts, target_value, anomaly, score)


def _advance(state: DetectorState, ts: float, value: float, anomaly: bool, score: float) -> DetectorState:
    if not anomaly:
        return replace(state, run=())
    side = 1 if score > 0 else -1
    run = (
        (*[r for r in state.run if r[1] == side], (ts, side))
        if all(r[1] == side for r in state.run)
        else ((ts, side),)
    )
    excluded = state.excluded | {ts}
    if len(run) >= LEVEL_SHIFT_RUN and not (side < 0 and value <= 0):
        # A sustained move to a new level (but never "no data" as the new normal): readmit the run
        # and model the step from its first point on.
        start = run[0][0]
        excluded = excluded - {r[0] for r in run}
        return replace(
            state, excluded=frozenset(excluded), run=(), changepoints=(*state.changepoints, start), terms=None
        )
    return replace(state, excluded=frozenset(excluded), run=run)


def detect(
    points: Sequence[tuple[datetime, float]],
    sensitivity: Sensitivity = Sensitivity.MEDIUM,
    *,
    judge_from: int = 0,
    state: DetectorState | None = None,
) -> tuple[list[Judgement], DetectorState]:
    """Judge ``points[judge_from:]`` in time order, each only on the points before it.

    ``points`` must be sorted by time. Earlier points (before ``judge_from``) are training only.
    """
    ts = np.array([p[0].timestamp() for p in points], dtype=float)
    values = np.array([float(p[1]) for p in points], dtype=float)
    if ts.size > 1 and np.any(np.diff(ts) < 0):
        raise ValueError("points must be sorted by timestamp")
    state = state or DetectorState()
    out: list[Judgement] = []
    with single_threaded():
        for i in range(judge_from, ts.size):
            judgement, state = judge(ts[:i], values[:i], ts[i], values[i], sensitivity, state)
            out.append(judgement)
    return out, state


__all__ = ["DetectorState", "Judgement", "Sensitivity", "detect", "judge"]
