"""Engine pooling on PostgreSQL: connections idle a while are tested before use, fresh ones are not."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from observer.store import engine as engine_module
from observer.store.engine import build_engine


def _backend_pid(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_idle_connection_killed_by_the_server_is_replaced_on_checkout(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = build_engine(pg_url, pool_size=1, max_overflow=0)
    try:
        first = _backend_pid(engine)
        admin = build_engine(pg_url)  # the pool holds one connection: terminate it from another engine
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        admin.dispose()
        monkeypatch.setattr(engine_module, "IDLE_PING_AFTER", 0.0)  # the pooled connection now counts as idle
        second = _backend_pid(engine)  # no error: the dead connection was pinged and replaced
        assert second != first
    finally:
        engine.dispose()


def test_connection_returned_moments_ago_is_used_without_a_ping(pg_url: str) -> None:
    engine = build_engine(pg_url, pool_size=1, max_overflow=0)
    statements: list[str] = []
    try:
        _backend_pid(engine)
        pings: list[object] = []
        original = engine.dialect.do_ping
        engine.dialect.do_ping = lambda dbapi_connection: pings.append(dbapi_connection) or original(dbapi_connection)  # type: ignore[method-assign]
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        for _ in range(3):
            _backend_pid(engine)
        assert pings == []
        assert statements == ["SELECT pg_backend_pid()"] * 3
    finally:
        engine.dispose()
