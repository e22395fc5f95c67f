"""Engine creation and schema migration for the metadata store.

SQLite is the embedded default: one file, WAL journal so the API can read while a collector writes,
foreign keys on, and a busy timeout so concurrent writers wait instead of failing. PostgreSQL uses
psycopg 3 (``postgresql+psycopg://``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

MIGRATIONS = Path(__file__).parent / "migrations"


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def build_engine(url: str, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine)
    return engine


IDLE_PING_AFTER = 10.0
"""Seconds a pooled connection may sit unused before it is tested with a round trip on checkout."""


def _ping_when_idle(engine: Engine) -> None:
    """Test a pooled connection on checkout only when it has been idle a while.

    A server restart or an idle timeout kills connections that sit in the pool; those are the ones
    worth a ``SELECT 1`` before use (a dead one is replaced, the caller never sees it). A connection
    returned moments ago is alive, and pinging it on every checkout (``pool_pre_ping``) costs a round
    trip per request. Should the server go away within the idle window, the first statement fails,
    SQLAlchemy invalidates the whole pool, and the next checkout connects afresh.
    """

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned < IDLE_PING_AFTER:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 - any failure to answer means "replace this connection"
            raise DisconnectionError(str(exc)) from exc
        if alive is False:
            raise DisconnectionError("connection did not answer a ping")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Up to 128 MB of page cache per connection (allocated only as pages are touched; SQLite's
    # default is 2 MB). Bulk ingestion keeps the indexes of million-row tables (queries, cost lines)
    # in memory with it: a million-row history writes in about half the CPU time.
    cursor.execute("PRAGMA cache_size=-131072")
    # Copy the write-ahead log into the database every ~40 MB rather than every 4 MB (the default):
    # a bulk ingest writes gigabytes, and each checkpoint is a pass over the log plus two fsyncs.
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent)."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
