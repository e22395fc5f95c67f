"""The ``fingerprints`` table: lineage parsed once per query shape, kept across runs.

:class:`FingerprintRepository` is the store side of :class:`observer.sql.analysis.QueryAnalyzer`:
the analyzer reads known fingerprints through :meth:`~FingerprintRepository.get_many` (so a shape
parsed by any earlier run is never parsed again), and the ingesting job writes what the analyzer
parsed with :meth:`~FingerprintRepository.upsert_many` in the same transaction as the query rows::

    repo = FingerprintRepository(store)
    analyzer = QueryAnalyzer(store=repo)
    results = analyzer.analyze_many(rows)
    with store.transaction() as conn:
        ...  # write the query rows
        repo.upsert_many(conn, analyzer.new_entries(), seen_at=now, occurrences=counts)

``occurrences`` maps fingerprint → rows seen in this batch; fingerprints in it that are already
stored get their count and ``last_seen`` bumped, new ones are inserted. Upserts are idempotent in
their lineage (a stored parse is never overwritten) and additive in their counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from observer.sql.analysis import FingerprintEntry
from observer.sql.lineage import LineageResult
from observer.store.store import Store
from observer.store.tables import fingerprints as table

_CHUNK = 500


class FingerprintRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get_many(self, keys: Iterable[str], conn: Connection | None = None) -> dict[str, FingerprintEntry]:
        """Stored entries for ``keys`` (missing keys are simply absent)."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        if conn is None:
            with self.store.read() as own:
                return self._get(own, wanted)
        return self._get(conn, wanted)

    def _get(self, conn: Connection, wanted: Sequence[str]) -> dict[str, FingerprintEntry]:
        out: dict[str, FingerprintEntry] = {}
        c = table.c
        for start in range(0, len(wanted), _CHUNK):
            rows = conn.execute(
                select(
                    c.fingerprint, c.dialect, c.sample_sql, c.statement_type, c.sources, c.targets,
                    c.column_lineage, c.parse_error, c.parse_ms,
                ).where(c.fingerprint.in_(wanted[start : start + _CHUNK]))
            )
            for fp, dialect, sample, stype, sources, targets, columns, error, parse_ms in rows:
                lineage = LineageResult(
                    sources=frozenset(sources or ()),
                    targets=frozenset(targets or ()),
                    column_lineage=frozenset(tuple(p) for p in columns or ()),
                    statement_types=(stype,) if stype else (),
                    error=error,
                )
                out[fp] = FingerprintEntry(fp, dialect, sample, lineage, parse_ms or 0.0)
        return out

    def upsert_many(
        self,
        conn: Connection,
        entries: Iterable[FingerprintEntry],
        *,
        seen_at: datetime,
        occurrences: Mapping[str, int] | None = None,
    ) -> int:
        """Insert new entries and bump counts of known ones; returns the number of rows written."""
        counts = dict(occurrences or {})
        rows = []
        for e in entries:
            rows.append(
                {
                    "fingerprint": e.fingerprint,
                    "dialect": e.dialect,
                    "sample_sql": e.sample_sql,
                    "statement_type": e.statement_type,
                    "sources": sorted(e.lineage.sources),
                    "targets": sorted(e.lineage.targets),
                    "column_lineage": [list(p) for p in sorted(e.lineage.column_lineage)],
                    "parse_error": e.lineage.error,
                    "parse_ms": e.parse_ms,
                    "first_seen": seen_at,
                    "last_seen": seen_at,
                    "occurrences": counts.pop(e.fingerprint, 1),
                }
            )
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        for start in range(0, len(rows), _CHUNK):
            stmt = insert(table).values(rows[start : start + _CHUNK])
            stmt = stmt.on_conflict_do_update(
                index_elements=["fingerprint"],
                set_={
                    "occurrences": table.c.occurrences + stmt.excluded.occurrences,
                    "last_seen": func.max(table.c.last_seen, stmt.excluded.last_seen)
                    if conn.dialect.name == "sqlite"
                    else func.greatest(table.c.last_seen, stmt.excluded.last_seen),
                },
            )
            conn.execute(stmt)
        bumped = self.touch_many(conn, counts, seen_at=seen_at)
        return len(rows) + bumped

    def touch_many(self, conn: Connection, occurrences: Mapping[str, int], *, seen_at: datetime) -> int:
        """Add ``occurrences`` to already-stored fingerprints and move their ``last_seen``."""
        done = 0
        for fp, n in occurrences.items():
            result = conn.execute(
                update(table)
                .where(table.c.fingerprint == fp)
                .values(
                    occurrences=table.c.occurrences + n,
                    last_seen=func.max(table.c.last_seen, seen_at)
                    if conn.dialect.name == "sqlite"
                    else func.greatest(table.c.last_seen, seen_at),
                )
            )
            done += result.rowcount or 0
        return done

    def failures_by_dialect(self, conn: Connection | None = None) -> dict[str, int]:
        """Stored fingerprints whose parse failed, counted per dialect (``generic`` for none)."""
        query = (
            select(table.c.dialect, func.count())
            .where(table.c.parse_error.is_not(None))
            .group_by(table.c.dialect)
        )
        if conn is None:
            with self.store.read() as own:
                rows = own.execute(query).all()
        else:
            rows = conn.execute(query).all()
        return {(d or "generic"): int(n) for d, n in rows}
