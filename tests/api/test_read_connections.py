"""Read connections under load: more concurrent requests than pooled connections wait their turn."""

from __future__ import annotations

import asyncio
from datetime import datetime

import httpx
from sqlalchemy import event

from observer.api.app import create_app
from observer.config import Settings
from observer.store import Store
from observer.store.engine import build_engine
from tests.api.conftest import ORDERS, fill_activity, fill_catalog


def test_more_requests_than_pooled_connections_all_answer(store: Store, store_url: str, now: datetime) -> None:
    fill_catalog(store, now)
    fill_activity(store, now)
    # Two connections and a short checkout timeout: a request that blocked the event loop waiting for
    # a connection would keep the others from returning theirs, and fail after two seconds.
    small = Store(build_engine(store_url, pool_size=2, max_overflow=0, pool_timeout=2))
    app = create_app(Settings(server={"read_concurrency": 8}), small, clock=lambda: now)  # more than the pool
    app.state.search.refresh()  # what the server's start-up warm-up does

    async def run() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            paths = [f"/api/v1/assets/{ORDERS}/lineage", f"/assets/{ORDERS.platform}/{ORDERS.name}", "/teams"] * 4
            responses = await asyncio.gather(*(client.get(p, headers={"accept": "text/html"}) for p in paths))
            return [r.status_code for r in responses]

    try:
        assert asyncio.run(asyncio.wait_for(run(), timeout=60)) == [200] * 12
    finally:
        small.dispose()


def test_read_concurrency_bounds_the_requests_reading_at_once(store: Store, store_url: str, now: datetime) -> None:
    fill_catalog(store, now)
    fill_activity(store, now)
    app = create_app(Settings(server={"read_concurrency": 1}), store, clock=lambda: now, search_max_age=3600)
    app.state.search.refresh()
    out = {"now": 0, "max": 0}

    def checkout(*_: object) -> None:
        out["now"] += 1
        out["max"] = max(out["max"], out["now"])

    def checkin(*_: object) -> None:
        out["now"] -= 1

    event.listen(store.engine, "checkout", checkout)
    event.listen(store.engine, "checkin", checkin)

    async def run() -> list[int]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            paths = [f"/api/v1/assets/{ORDERS}/lineage", f"/assets/{ORDERS.platform}/{ORDERS.name}"] * 5
            return [r.status_code for r in await asyncio.gather(*(client.get(p) for p in paths))]

    assert asyncio.run(asyncio.wait_for(run(), timeout=60)) == [200] * 10
    assert out["max"] == 1
