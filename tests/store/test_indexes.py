"""Indexes set aside by a bulk load come back: at the end of the load, or when the store is next opened."""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect

from observer.store import open_store
from observer.store.indexes import (
    BULK_TABLES,
    MARKER_SOURCE,
    DeferredIndexes,
    index_on,
    restore_missing,
    secondary_indexes,
    worth_deferring,
)
from observer.store.tables import cost_lines, queries
from observer.store.watermarks import set_watermark


def names(url: str, table: str) -> set[str]:
    store = open_store(url, migrate=False)
    try:
        with store.read() as conn:
            return {str(ix["name"]) for ix in inspect(conn).get_indexes(table)}
    finally:
        store.dispose()


def test_only_a_load_that_at_least_doubles_a_big_enough_table_defers() -> None:
    assert worth_deferring("sqlite", 0, 100_000)
    assert worth_deferring("sqlite", 400_000, 1_000_000)
    assert not worth_deferring("sqlite", 0, 99_999)  # small loads keep their indexes
    assert not worth_deferring("sqlite", 5_000_000, 1_000_000)  # rebuilding five million entries would cost more
    assert not worth_deferring("postgresql", 0, 1_000_000)  # measured: no faster there


def test_unique_keys_and_the_kept_index_stay(store_url: str) -> None:
    store = open_store(store_url)
    keep = index_on(cost_lines, "source", "hour")
    with store.transaction() as conn:
        for table, kept in ((queries, set()), (cost_lines, {keep})):
            DeferredIndexes(table, keep=kept).drop(conn)
    store.dispose()
    assert names(store_url, "queries").isdisjoint(str(ix.name) for ix in secondary_indexes(queries))
    assert names(store_url, "cost_lines") & {str(ix.name) for ix in secondary_indexes(cost_lines)} == {keep}
    # the (source, query_id) key upserts rely on is still there
    check = open_store(store_url, migrate=False)
    with check.read() as conn:
        uniques = inspect(conn).get_unique_constraints("queries") + [ix for ix in inspect(conn).get_indexes("queries") if ix["unique"]]
    check.dispose()
    assert any(list(u["column_names"]) == ["source", "query_id"] for u in uniques)


def test_indexes_a_killed_load_left_out_come_back_when_the_store_is_opened(store_url: str) -> None:
    open_store(store_url).dispose()
    # A real process sets the indexes aside, as a load does, and is killed before putting them back.
    killed = subprocess.run(
        [sys.executable, "-c", (
            "import os, signal\n"
            "from observer.store import open_store\n"
            "from observer.store.indexes import BULK_TABLES, DeferredIndexes\n"
            f"store = open_store({store_url!r}, migrate=False)\n"
            "with store.transaction() as conn:\n"
            "    for table in BULK_TABLES:\n"
            "        DeferredIndexes(table).drop(conn)\n"
            "os.kill(os.getpid(), signal.SIGKILL)\n"
        )],
        check=False, capture_output=True, text=True,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert names(store_url, "queries").isdisjoint(str(ix.name) for ix in secondary_indexes(queries))
    again = open_store(store_url)
    again.dispose()
    for table in BULK_TABLES:
        assert {str(ix.name) for ix in secondary_indexes(table)} <= names(store_url, table.name)


def test_a_store_opened_during_a_load_leaves_its_indexes_to_it(store_url: str) -> None:
    store = open_store(store_url)
    deferred = DeferredIndexes(queries)
    with store.transaction() as conn:
        deferred.drop(conn)  # this process is the load, still running
    open_store(store_url).dispose()  # e.g. `observer serve` starting meanwhile
    assert names(store_url, "queries").isdisjoint(str(ix.name) for ix in secondary_indexes(queries))
    with store.transaction() as conn:
        deferred.restore(conn)  # the load ends
    assert {str(ix.name) for ix in secondary_indexes(queries)} <= names(store_url, "queries")
    assert restore_missing(store.engine) == []
    store.dispose()


def test_restoring_does_not_wait_long_for_a_load_holding_the_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'observer.db'}"
    store = open_store(url)
    with store.transaction() as conn:
        DeferredIndexes(queries).drop(conn)
        # …by a load that has died since (a process that has exited)
        dead = subprocess.Popen(["true"])
        dead.wait()
        set_watermark(conn, MARKER_SOURCE, f"{socket.gethostname()}:{dead.pid}", datetime.now(UTC), "queries")
    loader = sqlite3.connect(tmp_path / "observer.db", isolation_level=None)
    loader.execute("BEGIN IMMEDIATE")  # a load in the middle of a write
    started = time.monotonic()
    assert restore_missing(store.engine) == []
    assert time.monotonic() - started < 5
    loader.execute("COMMIT")
    loader.close()
    assert sorted(restore_missing(store.engine)) == sorted(str(ix.name) for ix in secondary_indexes(queries))
    store.dispose()
