"""A labelled set of volume series, generated here (seeded) for the anomaly benchmark.

Families: daily steady / weekly-seasonal / steady growth / weekend-off (zeros on weekends, or one
point per weekday load with Monday carrying the weekend), hourly diurnal and hourly business-hours.
Injected anomalies: drops, zero loads, duplicate-load spikes (×2) and level shifts. Every anomaly is an
*event* with a window of points in which an alert counts as a detection: one point for drops, zeros
and spikes; the first three points of a level shift.

Series without injected anomalies are kept as such (``clean``) to count false alerts, notably on
weekend-off and trend-only series.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
DAILY_DAYS = 90
HOURLY_DAYS = 30
WARMUP_DAYS = 21  # anomalies are injected after this much history
HOURLY_SHAPE = (
    5.0,
    4.6,
    4.0,
    3.2,
    2.4,
    1.6,
    1.2,
    1.0,
    1.0,
    1.2,
    1.6,
    2.4,
    3.2,
    3.8,
    4.4,
    4.8,
    5.2,
    5.6,
    6.0,
    6.4,
    6.6,
    6.4,
    6.0,
    5.6,
)


@dataclass(frozen=True)
class Event:
    kind: str  # drop | zero | spike | level_shift
    start: int  # index of the first anomalous point
    window: tuple[int, int]  # inclusive index range in which an alert detects the event


@dataclass
class Series:
    name: str
    family: str
    points: list[tuple[datetime, float]]
    events: list[Event] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.events

    def csv(self) -> str:
        rows = ["timestamp,value"] + [f"{t.isoformat()},{v:g}" for t, v in self.points]
        return "\n".join(rows) + "\n"


def _noise(rng: random.Random, sd: float) -> float:
    return max(0.05, rng.gauss(1.0, sd))


def _daily(rng: random.Random, family: str) -> list[tuple[datetime, float]]:
    level = 10 ** rng.uniform(2.5, 6)
    sd = rng.uniform(0.03, 0.07)
    weekly = [1.0] * 7
    if family == "weekly":
        weekend = rng.choice((0.55, 0.7, 1.3, 1.45))
        weekly = [1.0, 0.97, 1.0, 1.03, 1.08, weekend, weekend * 0.95]
    growth = rng.uniform(0.006, 0.015) if family == "growth" else 0.0
    out = []
    for d in range(DAILY_DAYS):
        day = START + timedelta(days=d)
        value = level * (1 + growth * d) * weekly[day.weekday()] * _noise(rng, sd)
        out.append((day + timedelta(hours=4, minutes=10), round(value)))
    return out


def _weekend_off(rng: random.Random, per_load: bool) -> list[tuple[datetime, float]]:
    level = 10 ** rng.uniform(2, 5)
    out = []
    for d in range(DAILY_DAYS):
        day = START + timedelta(days=d)
        at = day + timedelta(hours=18)
        if day.weekday() >= 5:
            if not per_load:
                out.append((at, 0.0))
            continue
        carry = 2.0 if (per_load and day.weekday() == 0) else 1.0  # Monday's export carries the weekend
        out.append((at, round(level * carry * _noise(rng, 0.05))))
    return out


def _hourly(rng: random.Random, business_hours: bool) -> list[tuple[datetime, float]]:
    level = 10 ** rng.uniform(2.3, 4.5)
    out = []
    for h in range(HOURLY_DAYS * 24):
        at = START + timedelta(hours=h, minutes=12)
        if business_hours:
            active = at.weekday() < 5 and 8 <= at.hour < 18
            value = level / 10 * _noise(rng, 0.08) if active else 0.0
        else:
            dow = 1.15 if at.weekday() >= 5 else 1.0
            value = level / 24 * HOURLY_SHAPE[at.hour] / 3.8 * dow * _noise(rng, 0.07)
        out.append((at, round(value)))
    return out


def _active(points: list[tuple[datetime, float]], i: int) -> bool:
    return points[i][1] > 0


def _inject(
    rng: random.Random, points: list[tuple[datetime, float]], per_day: int, count: int
) -> list[Event]:
    events: list[Event] = []
    taken: set[int] = set()
    first = WARMUP_DAYS * per_day
    kinds = ["drop", "zero", "spike", "level_shift"]
    for _ in range(count):
        kind = rng.choice(kinds)
        for _attempt in range(200):
            # level shifts need room after them; keep events apart so each is judged on clean history
            last = len(points) - (8 * per_day if kind == "level_shift" else 2)
            i = rng.randrange(first, last)
            if not _active(points, i) or any(abs(i - t) < 3 * per_day for t in taken):
                continue
            break
        else:
            continue
        taken.add(i)
        t, v = points[i]
        if kind == "drop":
            points[i] = (t, round(v * rng.uniform(0.2, 0.5)))
            events.append(Event(kind, i, (i, i)))
        elif kind == "zero":
            points[i] = (t, 0.0)
            events.append(Event(kind, i, (i, i)))
        elif kind == "spike":
            points[i] = (t, v * 2)  # the same load delivered twice
            events.append(Event(kind, i, (i, i)))
        else:
            factor = rng.choice((rng.uniform(0.35, 0.6), rng.uniform(1.7, 2.5)))
            for j in range(i, len(points)):
                points[j] = (points[j][0], round(points[j][1] * factor))
            end = i
            active_seen = 0
            while end < len(points) - 1 and active_seen < 3:
                if _active(points, end):
                    active_seen += 1
                if active_seen < 3:
                    end += 1
            events.append(Event(kind, i, (i, end)))
            first = max(first, i)  # later events come after the shift
    return sorted(events, key=lambda e: e.start)


def build_corpus(seed: int = 20261122) -> list[Series]:
    """The whole labelled corpus (deterministic for a seed)."""
    rng = random.Random(seed)
    corpus: list[Series] = []

    def add(
        name: str, family: str, points: list[tuple[datetime, float]], anomalies: int, per_day: int
    ) -> None:
        events = _inject(rng, points, per_day, anomalies) if anomalies else []
        corpus.append(Series(name, family, points, events))

    plan = [("steady", 10, 14), ("weekly", 8, 14), ("growth", 8, 8)]
    for family, clean, dirty in plan:
        for i in range(clean + dirty):
            anomalies = 0 if i < clean else rng.randint(1, 3)
            add(f"daily_{family}_{i:02d}", family, _daily(rng, family), anomalies, 1)
    for per_load in (False, True):
        tag = "loads" if per_load else "zeros"
        for i in range(10):
            anomalies = 0 if i < 5 else rng.randint(1, 2)
            add(
                f"daily_weekend_off_{tag}_{i:02d}",
                "weekend_off",
                _weekend_off(rng, per_load),
                anomalies,
                1 if not per_load else 1,
            )
    for business in (False, True):
        tag = "business_hours" if business else "diurnal"
        for i in range(8):
            anomalies = 0 if i < 3 else rng.randint(1, 3)
            add(
                f"hourly_{tag}_{i:02d}",
                "weekend_off" if business else "hourly",
                _hourly(rng, business),
                anomalies,
                24,
            )
    return corpus
