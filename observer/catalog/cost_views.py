"""Cost reports for the pages, memoized until the cost lines change.

A month-over-month diff reads a month of cost lines a few dozen times (per dimension, per mover,
per query shape); on a real ledger that is seconds. The lines change only when the ledger runs, so
each answer is kept with the ledger's version (:func:`~observer.store.listings.cost_lines_version`)
and recomputed when that moves. The version itself is re-read at most every ``max_age`` seconds.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection

from observer.cost_diff import CostDiff, Mover, cost_diff, rank_movers
from observer.cost_report import CostRow, cost_report, latest_month, previous_month
from observer.store.listings import MonthSpend, cost_lines_version, spend_by_month

T = TypeVar("T")


@dataclass(frozen=True)
class Movers:
    month: str | None
    previous: str | None
    movers: list[Mover]


class CostViews:
    def __init__(self, *, max_age: float = 5.0, size: int = 256, clock: Callable[[], float] = time.monotonic) -> None:
        self._max_age = max_age
        self._size = size
        self._clock = clock
        self._lock = threading.Lock()
        self._version: tuple[int, int] | None = None
        self._checked = float("-inf")
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()

    def _current(self, conn: Connection) -> tuple[int, int]:
        now = self._clock()
        with self._lock:
            if self._version is not None and now - self._checked < self._max_age:
                return self._version
        version = cost_lines_version(conn)
        with self._lock:
            if version != self._version:
                self._cache.clear()
            self._version, self._checked = version, now
        return version

    def _memo(self, conn: Connection, key: Hashable, compute: Callable[[], T]) -> T:
        self._current(conn)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return value

    def months(self, conn: Connection) -> list[str]:
        from observer.store.costs import months_with_costs

        return self._memo(conn, ("months",), lambda: months_with_costs(conn))

    def report(self, conn: Connection, month: str, by: str, team: str | None) -> list[CostRow]:
        return self._memo(
            conn, ("report", month, by, team), lambda: cost_report(conn, month, by, {"team": team} if team else None)
        )

    def diff(self, conn: Connection, month: str, team: str | None) -> CostDiff:
        return self._memo(
            conn,
            ("diff", month, team),
            lambda: cost_diff(
                conn, month, dimensions=("team", "asset", "warehouse"), top=5, shapes=3,
                filters={"team": team} if team else None,
            ),
        )

    def trend(self, conn: Connection, team: str | None) -> list[MonthSpend]:
        """Total spend per month (of one team, or of everything), oldest first."""

        def compute() -> list[MonthSpend]:
            rows = spend_by_month(conn, "team", value=team) if team else spend_by_month(conn, "warehouse")
            totals: dict[str, MonthSpend] = {}
            for r in rows:
                prev = totals.get(r.month)
                totals[r.month] = MonthSpend(
                    r.month, team, (prev.cost_usd if prev else 0.0) + r.cost_usd, (prev.credits if prev else 0.0) + r.credits
                )
            return [totals[m] for m in sorted(totals)]

        return self._memo(conn, ("trend", team), compute)

    def asset_movers(self, conn: Connection, top: int = 5) -> Movers:
        """The assets whose spend moved most between the latest month with costs and the one before."""

        def compute() -> Movers:
            month = latest_month(conn)
            if month is None:
                return Movers(None, None, [])
            previous = previous_month(month)
            movers = rank_movers(
                cost_report(conn, previous, "asset"), cost_report(conn, month, "asset"), dimension="asset", top=top
            )
            return Movers(month, previous, movers)

        return self._memo(conn, ("asset_movers", top), compute)
