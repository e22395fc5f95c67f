"""Keeps a :class:`SearchIndex` in step with the store for a long-running server.

The first search builds the index (or waits for the warm-up started with the server). After that,
at most every ``max_age`` seconds a request notices it is due and a background thread compares the
store's :func:`~observer.store.catalog.catalog_version`; only when something changed is a new index
built, and it replaces the old one atomically. Requests never wait for a rebuild after the first.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from observer.catalog.search_index import SearchIndex
from observer.store import Store
from observer.store.catalog import catalog_version, search_documents
from observer.store.ownership import list_people, list_teams

log = logging.getLogger(__name__)


class LiveSearch:
    def __init__(self, store: Store, *, max_age: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._max_age = max_age
        self._clock = clock
        self._index: SearchIndex | None = None
        self._version: tuple[Any, ...] | None = None
        self._checked = 0.0
        self._build_lock = threading.Lock()
        self._checking = False

    def index(self) -> SearchIndex:
        """The current index; builds it on first use, schedules a freshness check when one is due."""
        index = self._index
        if index is None:
            return self.refresh()
        if self._clock() - self._checked >= self._max_age and not self._checking:
            self._checking = True
            threading.Thread(target=self._check_in_background, name="observer-search-refresh", daemon=True).start()
        return index

    def refresh(self) -> SearchIndex:
        """Rebuild now if the store changed since the last build (or nothing was built yet)."""
        with self._build_lock:
            with self._store.read() as conn:
                version = catalog_version(conn)
                if self._index is None or version != self._version:
                    started = time.perf_counter()
                    self._index = SearchIndex.build(
                        search_documents(conn), teams=list_teams(conn), people=list_people(conn)
                    )
                    self._version = version
                    log.info("search index: %d assets in %.2f s", len(self._index), time.perf_counter() - started)
            self._checked = self._clock()
            return self._index

    def warm_up(self) -> None:
        """Build the index in the background (called when the server starts)."""
        threading.Thread(target=self._check_in_background, name="observer-search-warmup", daemon=True).start()

    def _check_in_background(self) -> None:
        try:
            self.refresh()
        except Exception:  # noqa: BLE001 - a failed refresh keeps serving the previous index
            log.exception("search index refresh failed; serving the previous index")
            self._checked = self._clock()
        finally:
            self._checking = False
