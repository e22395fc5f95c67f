"""The :class:`Store` handle shared by every repository."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

from observer.store.engine import build_engine, normalize_url, upgrade
from observer.store.indexes import restore_missing


class Store:
    """A metadata store: an engine plus transaction helpers.

    Repositories (``AssetRepository(store)`` …) take a store; a unit of work that spans several
    repositories passes the same connection from :meth:`transaction` to each call.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(url: str, *, migrate: bool = True) -> Store:
    """Open (and by default migrate to head) the store at ``url``."""
    engine = build_engine(normalize_url(url))
    if migrate:
        upgrade(engine)
        restore_missing(engine)
    return Store(engine)


def shared_url(store: Store) -> str | None:
    """The store's URL when other processes can open the same database (``None`` for an in-memory
    SQLite), for :func:`worker_store` in worker processes. It includes the password: pass it only
    to processes of this one, never to logs."""
    url = store.engine.url
    if url.get_backend_name() == "sqlite" and (not url.database or url.database == ":memory:" or "mode=memory" in str(url)):
        return None
    return url.render_as_string(hide_password=False)


_WORKER_STORES: dict[str, Store] = {}


def worker_store(url: str) -> Store:
    """The store at ``url`` as a worker process sees it: opened once per process (not migrated: the
    process that started the worker did that) and kept."""
    store = _WORKER_STORES.get(url)
    if store is None:
        store = _WORKER_STORES[url] = open_store(url, migrate=False)
    return store
