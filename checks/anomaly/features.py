"""Design matrices for the volume model: level, trend, day-of-week, hour-of-day and level shifts.

Seasonality is *detected*, not configured: :func:`candidate_terms` lists the term sets a series can
support (enough cycles observed), and the model keeps the one with the best penalized robust fit.
Timestamps are epoch seconds in UTC; weekdays count Monday as 0.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from itertools import product

import numpy as np

HOUR = 3600.0
DAY = 86400.0


class Cadence(enum.StrEnum):
    SUBDAILY = "subdaily"
    DAILY = "daily"
    COARSE = "coarse"


@dataclass(frozen=True)
class Terms:
    trend: bool = False
    dow: bool = False
    hour: bool = False

    @property
    def code(self) -> int:
        """The term set as a small integer (trend 1, day-of-week 2, hour-of-day 4), for storage."""
        return int(self.trend) + 2 * int(self.dow) + 4 * int(self.hour)

    @classmethod
    def from_code(cls, code: int) -> Terms:
        return cls(bool(code & 1), bool(code & 2), bool(code & 4))

    def label(self) -> str:
        parts = [
            name
            for name, on in (("trend", self.trend), ("day-of-week", self.dow), ("hour-of-day", self.hour))
            if on
        ]
        return " + ".join(["level", *parts])


def weekday(ts: np.ndarray) -> np.ndarray:
    """Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday)."""
    return ((np.floor(ts / DAY).astype(np.int64) + 3) % 7).astype(np.int64)


def hour_of_day(ts: np.ndarray) -> np.ndarray:
    return (np.floor(ts / HOUR).astype(np.int64) % 24).astype(np.int64)


def median_step(ts: np.ndarray) -> float:
    if ts.size < 2:
        return DAY
    diffs = np.diff(ts)
    diffs = diffs[diffs > 0]
    return float(np.median(diffs)) if diffs.size else DAY


def cadence_of(step: float) -> Cadence:
    if step <= 3 * HOUR:
        return Cadence.SUBDAILY
    if step <= 36 * HOUR:
        return Cadence.DAILY
    return Cadence.COARSE


def _cycles_covered(categories: np.ndarray, minimum: int) -> bool:
    """Every category that occurs at all occurs at least ``minimum`` times, and there are ≥ 2 of them."""
    _, counts = np.unique(categories, return_counts=True)
    return counts.size >= 2 and int(counts.min()) >= minimum


def candidate_terms(ts: np.ndarray, cadence: Cadence) -> list[Terms]:
    """Term sets this training window can support."""
    span = float(ts[-1] - ts[0]) if ts.size else 0.0
    trend_ok = ts.size >= 10 and span >= 7 * DAY
    dow_ok = cadence is not Cadence.COARSE and span >= 13.5 * DAY and _cycles_covered(weekday(ts), 2)
    hour_ok = cadence is Cadence.SUBDAILY and span >= 2.5 * DAY and _cycles_covered(hour_of_day(ts), 2)
    out = []
    for trend, dow, hour in product((False, True), repeat=3):
        if (trend and not trend_ok) or (dow and not dow_ok) or (hour and not hour_ok):
            continue
        out.append(Terms(trend, dow, hour))
    return out


def _dummies(values: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Indicator columns for ``levels[1:]`` (the first level is the reference)."""
    if levels.size <= 1:
        return np.zeros((values.size, 0))
    out: np.ndarray = (values[:, None] == levels[None, 1:]).astype(float)
    return out


@dataclass(frozen=True)
class Design:
    """How to turn timestamps into model columns; fixed by the training window."""

    terms: Terms
    origin: float
    dows: np.ndarray
    hours: np.ndarray
    changepoints: tuple[float, ...]

    @classmethod
    def for_training(cls, ts: np.ndarray, terms: Terms, changepoints: tuple[float, ...]) -> Design:
        inside = tuple(c for c in changepoints if ts[0] < c <= ts[-1])
        return cls(
            terms=terms,
            origin=float(ts[-1]),
            dows=np.unique(weekday(ts)) if terms.dow else np.zeros(0, dtype=np.int64),
            hours=np.unique(hour_of_day(ts)) if terms.hour else np.zeros(0, dtype=np.int64),
            changepoints=inside,
        )

    def matrix(self, ts: np.ndarray) -> np.ndarray:
        cols = [np.ones((ts.size, 1))]
        if self.terms.trend:
            cols.append(((ts - self.origin) / (30 * DAY))[:, None])
        if self.terms.dow:
            cols.append(_dummies(weekday(ts), self.dows))
        if self.terms.hour:
            cols.append(_dummies(hour_of_day(ts), self.hours))
        for cp in self.changepoints:
            cols.append((ts >= cp).astype(float)[:, None])
        return np.hstack(cols)

    def season_seen(self, ts: float) -> bool:
        """Whether the target's weekday/hour occurred in training (else the reference level is used)."""
        t = np.array([ts])
        if self.terms.dow and int(weekday(t)[0]) not in set(self.dows.tolist()):
            return False
        return not (self.terms.hour and int(hour_of_day(t)[0]) not in set(self.hours.tolist()))
