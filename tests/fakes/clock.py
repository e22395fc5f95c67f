"""A controllable clock for tests: time passes only when a test (or a component's ``sleep``) says so."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class FakeClock:
    """``now()`` for Observer code, ``monotonic()`` for the fake Slack server, ``sleep()`` advances both.

    ``at(moment, action)`` runs ``action`` once the clock reaches ``moment`` — how a test ends a
    simulated outage five minutes in without waiting five minutes.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
        self._start = self._now
        self._lock = threading.RLock()
        self._scheduled: list[tuple[datetime, Callable[[], None]]] = []
        self.slept = 0.0

    def now(self) -> datetime:
        with self._lock:
            return self._now

    __call__ = now

    def monotonic(self) -> float:
        with self._lock:
            return (self._now - self._start).total_seconds()

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            due = [a for t, a in self._scheduled if t <= self._now]
            self._scheduled = [(t, a) for t, a in self._scheduled if t > self._now]
        for action in due:
            action()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.slept += seconds
            self.advance(seconds)

    def at(self, moment: datetime, action: Callable[[], None]) -> None:
        with self._lock:
            self._scheduled.append((moment, action))
