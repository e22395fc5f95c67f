"""Secondary indexes set aside during a bulk load, and put back.

On SQLite, keeping five indexes up to date row by row is most of the cost of writing a million query
rows or cost lines: every insert walks each index, and every commit writes out the index pages it touched —
for a random key such as a fingerprint, nearly all of them. Building an index once over the loaded
table sorts it instead, several times cheaper. So when one ingest writes at least as many rows as a
table held before (and at least :data:`BULK_ROWS`), it drops that table's non-unique indexes and
creates them again when it is done (SQLite only, see :func:`worth_deferring`):

* unique indexes stay (upserts need them), and so do the indexes a caller names in ``keep`` (the
  ones the load itself reads through);
* dropping and creating are transactional (SQLite and PostgreSQL alike), so a table is never left
  with half an index;
* a process killed mid-load leaves the indexes missing, not wrong: queries still answer, only slower,
  until :func:`restore_missing` (run whenever the store is opened and migrated) creates them again.
  The load records which process set them aside (a row in ``watermarks``, in the same transaction),
  so a store opened *during* a load — ``observer serve`` started meanwhile — leaves them to it
  instead of building them under its feet.

Readers during the load (the API, reports) see correct results without those indexes, more slowly.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Collection, Iterable
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, Index, Table, delete, func, inspect, select
from sqlalchemy.exc import OperationalError

from observer.store.tables import cost_lines, queries, watermarks
from observer.store.watermarks import get_watermark, set_watermark

log = logging.getLogger(__name__)

BULK_ROWS = 100_000
"""The fewest rows one load writes before it sets a table's indexes aside."""
DEFERRING_BACKENDS = frozenset({"sqlite"})
"""The stores where setting indexes aside pays (see :func:`worth_deferring`)."""
BUILD_MEMORY_MB = 256
"""PostgreSQL ``maintenance_work_mem`` while a load builds its indexes again."""
BULK_TABLES = (queries, cost_lines)
MARKER_SOURCE = "_bulk-load"
"""``watermarks.source`` of the rows naming the process that set a table's indexes aside."""
"""The tables loads set indexes aside for (the only ones that take millions of rows)."""


def secondary_indexes(table: Table, keep: Collection[str] = ()) -> list[Index]:
    """The table's non-unique indexes, less those named in ``keep``."""
    return sorted((ix for ix in table.indexes if not ix.unique and str(ix.name) not in keep), key=lambda ix: str(ix.name))


def index_on(table: Table, *columns: str) -> str:
    """The name of ``table``'s index on exactly ``columns``."""
    for ix in table.indexes:
        if tuple(c.name for c in ix.columns) == columns:
            return str(ix.name)
    raise KeyError(f"{table.name} has no index on {', '.join(columns)}")


def size_hint(conn: Connection, table: Table) -> int:
    """An upper bound on the table's rows, in one index lookup: its highest id (ids only grow)."""
    return int(conn.execute(select(func.max(table.c.id))).scalar() or 0)


def worth_deferring(backend: str, before: int, incoming: int) -> bool:
    """Whether a load of ``incoming`` rows into a table of about ``before`` rows should set its
    indexes aside: rebuilding them costs about as much as loading the table once more, which pays
    when the load at least doubles the table. SQLite only: on PostgreSQL the million-row benchmark
    measured the same time and server CPU either way (its ``COPY`` path keeps indexes cheaply), so
    its readers keep their indexes throughout."""
    return defers_indexes(backend) and incoming >= BULK_ROWS and incoming >= before


def defers_indexes(backend: str) -> bool:
    """Whether loads into a ``backend`` store (a SQLAlchemy dialect name) ever set indexes aside."""
    return backend in DEFERRING_BACKENDS


class DeferredIndexes:
    """The secondary indexes of one table during one load: :meth:`drop` inside the load's first big
    write transaction, :meth:`restore` (its own transaction) when the load is done or has failed."""

    def __init__(self, table: Table, keep: Collection[str] = ()) -> None:
        self.table = table
        self.indexes = secondary_indexes(table, keep)
        self.dropped = False

    def drop(self, conn: Connection) -> None:
        if self.dropped:
            return
        present = _present(conn, self.table)
        for ix in self.indexes:
            if ix.name in present:
                ix.drop(conn)
        set_watermark(conn, MARKER_SOURCE, f"{socket.gethostname()}:{os.getpid()}", datetime.now(UTC), self.table.name)
        self.dropped = True
        log.info("indexes of %s set aside for a bulk load: %s", self.table.name, ", ".join(str(ix.name) for ix in self.indexes))

    def restore(self, conn: Connection) -> None:
        if not self.dropped:
            return
        if conn.dialect.name == "postgresql":
            # sort each index in memory rather than in temporary files (this transaction only)
            conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY_MB}MB'")
        _create_missing(conn, self.table, self.indexes)
        _unmark(conn, self.table)
        self.dropped = False


def _unmark(conn: Connection, table: Table) -> None:
    conn.execute(delete(watermarks).where(watermarks.c.source == MARKER_SOURCE, watermarks.c.stream == table.name))


def _load_running(conn: Connection, table: Table) -> bool:
    """Whether the process that set ``table``'s indexes aside is still running (one on another
    machine is taken to be)."""
    marker = get_watermark(conn, MARKER_SOURCE, table.name)
    if marker is None:
        return False
    host, _, pid = marker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _present(conn: Connection, table: Table) -> set[str]:
    return {str(ix["name"]) for ix in inspect(conn).get_indexes(table.name)}


def _create_missing(conn: Connection, table: Table, indexes: Iterable[Index]) -> list[str]:
    present = _present(conn, table)
    made = []
    for ix in indexes:
        if ix.name not in present:
            ix.create(conn)
            made.append(str(ix.name))
    return made


def restore_missing(engine: Engine) -> list[str]:
    """Create the missing indexes of :data:`BULK_TABLES` (left so by a load that was killed); returns
    their names. A table whose load is still running is left to it; and when another process holds
    the write lock, nothing is done now (best effort: the next open tries again)."""
    made: list[str] = []
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA busy_timeout=1000")
            try:
                existing = set(inspect(conn).get_table_names())
                for table in BULK_TABLES:
                    if table.name in existing and not _load_running(conn, table):
                        made += _create_missing(conn, table, secondary_indexes(table))
                        _unmark(conn, table)
            finally:
                if conn.dialect.name == "sqlite":
                    conn.exec_driver_sql("PRAGMA busy_timeout=30000")
    except OperationalError as exc:
        log.warning("missing indexes not restored now (the store is busy): %s", exc.orig)
        return []
    if made:
        log.warning("restored indexes a bulk load had set aside and not put back: %s", ", ".join(made))
    return made
