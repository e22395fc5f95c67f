"""The metadata store: SQLAlchemy tables, migrations and repositories (rows <-> domain values)."""

from __future__ import annotations

from observer.store.engine import build_engine, upgrade
from observer.store.store import Store, open_store, shared_url, worker_store

__all__ = ["Store", "build_engine", "open_store", "shared_url", "upgrade", "worker_store"]
