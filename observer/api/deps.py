"""FastAPI dependencies shared by every router: the store, the settings and the clock.

The app factory puts the :class:`~observer.store.Store` and :class:`~observer.config.Settings` on
``app.state``; routers ask for them with ``Depends(get_store)`` instead of importing globals, so a
test can build an app over any store. The clock is a dependency too (``Depends(get_now)``) so
time-dependent endpoints can be tested with a fixed ``now`` (``app.state.clock``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

from fastapi import Request
from sqlalchemy import Connection
from sqlalchemy.pool import QueuePool

from observer.catalog.live_search import LiveSearch
from observer.catalog.search_index import SearchIndex
from observer.config import Settings
from observer.store import Store


def system_clock() -> datetime:
    return datetime.now(UTC)


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_now(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


def _pool_capacity(store: Store) -> int | None:
    """How many connections the store's pool hands out at once (``None``: no limit)."""
    pool = store.engine.pool
    if not isinstance(pool, QueuePool) or pool._max_overflow < 0:  # noqa: SLF001 - set by create_engine(max_overflow=)
        return None
    return pool.size() + pool._max_overflow  # noqa: SLF001


def _read_slots(request: Request) -> asyncio.Semaphore:
    """``server.read_concurrency`` slots (at most one per pooled connection) for this app on the
    running event loop."""
    loop = asyncio.get_running_loop()
    state = request.app.state
    slots: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = getattr(state, "read_slots", None)
    if slots is None or slots[0] is not loop:
        wanted = get_settings(request).server.read_concurrency
        capacity = _pool_capacity(get_store(request))
        slots = (loop, asyncio.Semaphore(min(wanted, capacity) if capacity else wanted))
        state.read_slots = slots
    return slots[1]


async def read_conn(request: Request) -> AsyncIterator[Connection]:
    """A read connection for the duration of one request.

    Checked out of the pool on the event loop (a pool checkout is microseconds) rather than in a
    worker thread, which saves two thread hops per request; the queries themselves still run in
    the sync endpoint's worker thread.

    Requests first take one of ``server.read_concurrency`` slots (never more than the pool has
    connections), waiting for it asynchronously and in order. A checkout from an exhausted pool
    would block the event loop, and with it the very requests that would give their connections
    back; and since a process runs Python on one core, a page shared with a dozen others in flight
    takes a dozen times as long, while queued in turn it waits for a few and then runs at full speed.
    """
    slots = _read_slots(request)
    await slots.acquire()
    try:
        conn = get_store(request).engine.connect()
        if conn.dialect.name == "postgresql":
            # Reads need no transaction: at PostgreSQL's READ COMMITTED each statement sees its own
            # snapshot either way, and autocommit saves the BEGIN and ROLLBACK round trips per request.
            conn.execution_options(isolation_level="AUTOCOMMIT")
        try:
            yield conn
        finally:
            conn.close()
    finally:
        slots.release()


async def get_search(request: Request) -> SearchIndex:
    """The catalog's search index, kept fresh by :class:`~observer.catalog.live_search.LiveSearch`."""
    live: LiveSearch = request.app.state.search
    return live.index()
