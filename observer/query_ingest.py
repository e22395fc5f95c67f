"""The shared path from a warehouse collector's records to stored, attributed, costed history.

Every warehouse collector (live or export) hands batches of :class:`~observer.model.QueryRecord` and
:class:`~observer.model.MeteringRecord` to a :class:`QueryIngest`, which per batch

1. skips rows the store already holds unchanged (a re-read of the same export costs a lookup);
2. fingerprints and tags every remaining row and parses lineage once per *new* fingerprint
   (:class:`observer.sql.analysis.QueryAnalyzer` with the store's fingerprint cache);
3. attributes each query to an asset/owner/team with the rule and reason
   (:mod:`observer.attribution.queries`), computed once per distinct query shape and context;
4. writes query rows, meters, new fingerprints, tables seen written (as catalog assets), the days
   whose costs must be recomputed and the collector's watermark **in one transaction** — a crash
   loses nothing and duplicates nothing;

and :meth:`QueryIngest.finish` recomputes the cost lines of those days (:mod:`observer.cost_ledger`).
An ingest that at least doubles the stored history (a first load) sets the query table's
secondary indexes aside once it has written :data:`~observer.store.indexes.BULK_ROWS` rows and
builds them again in :meth:`~QueryIngest.finish` (:mod:`observer.store.indexes`).
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from observer.attribution.queries import Attributed, AttributionContext, QueryFacts, attribute_query
from observer.config import Settings
from observer.cost_ledger import LedgerReport, materialize_costs, remember_platform
from observer.history_analysis import HistoryAnalyzer, Pending, RecordFactory, RowAnalysis, Tagged
from observer.model import AssetKey, MeteringRecord, QueryRecord
from observer.plugins import IngestReport
from observer.sql.analysis import relaxed_gc
from observer.sql.names import qualify_name
from observer.store import Store, shared_url
from observer.store.attribution import context_version, load_attribution_context, run_index
from observer.store.bulk import time_encoder
from observer.store.costs import days_between, mark_dirty, write_meters
from observer.store.fingerprints import FingerprintRepository
from observer.store.indexes import DeferredIndexes, size_hint, worth_deferring
from observer.store.queries import (
    attribution_values,
    bump_fingerprints,
    has_queries,
    query_row,
    register_tables,
    revision,
    set_weights,
    stored_revisions,
    write_fingerprints,
    write_queries,
)
from observer.store.tables import queries as query_table
from observer.store.watermarks import all_watermarks, set_watermark

CONTEXT_STREAM = "attribution-context"
log = logging.getLogger(__name__)


def target_keys(
    names: frozenset[str], platform: str, database: str | None, schema: str | None,
    memo: dict[tuple[str, str | None, str | None], AssetKey | None] | None = None,
) -> tuple[AssetKey, ...]:
    """Table names as a statement wrote them → asset keys, completed with the session's database and
    schema; stages and external locations are dropped. ``memo`` keeps keys across calls (a history
    names a few thousand tables in tens of thousands of query shapes)."""
    out = []
    for name in sorted(names):
        if memo is None:
            key = _asset_key(name, platform, database, schema)
        elif (name, database, schema) in memo:
            key = memo[(name, database, schema)]
        else:
            key = memo[(name, database, schema)] = _asset_key(name, platform, database, schema)
        if key is not None:
            out.append(key)
    return tuple(out)


def _asset_key(name: str, platform: str, database: str | None, schema: str | None) -> AssetKey | None:
    if name.startswith(("@", "'")) or "://" in name:
        return None  # stages and external locations are not catalog assets
    return AssetKey.of(platform, qualify_name(name, database=database, schema=schema))


@dataclass
class _Shape:
    targets: tuple[AssetKey, ...]
    sources: tuple[AssetKey, ...]
    registered: bool = False
    """Its targets are catalog assets already (a successful statement wrote them)."""


@dataclass
class _Batch:
    """A batch between reading and writing: what is new, its analysis (phase 1 submitted), its extras."""

    todo: list[QueryRecord]
    pending: Pending | None
    meters: Sequence[MeteringRecord]
    acceleration: Sequence[MeteringRecord]
    weights: Mapping[str, float]
    loose_weights: dict[str, float]
    watermarks: Mapping[str, str]
    size: int = 0
    """Rows read for the batch (written or not)."""


class QueryIngest:
    """Writes one source's history; see the module docstring. Call :meth:`finish` after the last
    batch (or use :meth:`run`, which also overlaps reading, analysis and writing)."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        source: str,
        platform: str,
        dialect: str | None,
        now: datetime,
        report: IngestReport | None = None,
        workers: int = 0,
    ) -> None:
        self.store, self.settings = store, settings
        self.source, self.platform, self.dialect, self.now = source, platform, dialect, now
        self.report = report or IngestReport()
        self.analyzer = HistoryAnalyzer(FingerprintRepository(store), dialect, workers=workers)
        with store.read() as conn:
            self.context: AttributionContext = load_attribution_context(conn)
            self.context_version = context_version(conn)
        self._shapes: dict[tuple[str, str | None, str | None], _Shape] = {}
        self._keys: dict[tuple[str, str | None, str | None], AssetKey | None] = {}
        self._attributions: dict[tuple[Any, ...], Attributed] = {}
        self._known_counts: Counter[str] = Counter()
        self._seen_targets: set[AssetKey] = set()
        self._encode_time = time_encoder(store.dialect)
        self.queries_written = 0
        self.meters_written = 0
        with store.read() as conn:
            self._marks = {stream: value for src, stream, value, _ in all_watermarks(conn) if src == source}
            self._stored_before = size_hint(conn, query_table)
            self.first_load = not has_queries(conn, source)
            """The source had no stored history when this ingest began: a row can be stored already
            only if this ingest wrote it (a repeated query id), which the upsert itself resolves, so
            rows are not looked up before they are analysed."""
        self._indexes = DeferredIndexes(query_table)
        remember_platform(store, source, platform, now)

    # ── per row ──────────────────────────────────────────────────────────────────────────────────────

    def _shape(self, a: RowAnalysis, q: QueryRecord) -> _Shape:
        key = (a.fingerprint, q.database_name, q.schema_name)
        shape = self._shapes.get(key)
        if shape is None:
            if len(self._keys) > 200_000:
                self._keys.clear()
            shape = self._shapes[key] = _Shape(
                target_keys(a.lineage.targets, self.platform, q.database_name, q.schema_name, self._keys),
                target_keys(a.lineage.sources, self.platform, q.database_name, q.schema_name, self._keys),
            )
        return shape

    def attribute(self, q: QueryRecord, a: RowAnalysis) -> Attributed:
        hints = a.hints
        key: tuple[Any, ...] | None = None
        if self.context.runs is None:
            # Without runs, attribution depends on the shape, user, session context and what the
            # comment names — not on run ids or times — so one result serves every repeat.
            key = (a.fingerprint, q.user_name, q.database_name, q.schema_name, hints.via, hints.dbt_node_id,
                   hints.airflow_dag_id, hints.airflow_task_id, hints.dagster_asset)
            found = self._attributions.get(key)
            if found is not None:
                return found
        shape = self._shape(a, q)
        facts = QueryFacts(
            q.query_id, q.user_name, q.start_time, q.end_time, a.statement_type,
            shape.targets, shape.sources, a.error, hints,
        )
        found = attribute_query(facts, self.context)
        if key is not None:
            if len(self._attributions) > 500_000:
                self._attributions.clear()
            self._attributions[key] = found
        return found

    # ── per batch ────────────────────────────────────────────────────────────────────────────────────

    def _changed(self, queries: Sequence[QueryRecord], weights: Mapping[str, float]) -> list[int]:
        """Positions of the rows the store does not already hold as they are."""
        with self.store.read() as conn:
            stored = stored_revisions(conn, self.source, [q.query_id for q in queries])
        if not stored:
            return list(range(len(queries)))
        todo = []
        for i, q in enumerate(queries):
            old = stored.get(q.query_id)
            if old is None or old[:-1] != revision(q):
                todo.append(i)
            else:
                weight = weights.get(q.query_id, q.compute_weight)
                if weight is not None and weight != old[-1]:
                    todo.append(i)
        return todo

    def _begin(
        self,
        queries: Sequence[QueryRecord],
        meters: Sequence[MeteringRecord] = (),
        *,
        acceleration: Sequence[MeteringRecord] = (),
        weights: Mapping[str, float] | None = None,
        watermarks: Mapping[str, str] | None = None,
        loose_weights: dict[str, float] | None = None,
        tagged: Sequence[Tagged | None] | None = None,
    ) -> _Batch:
        weights = weights or {}
        positions = self._changed(queries, weights) if queries and not self.first_load else list(range(len(queries)))
        if len(positions) == len(queries):
            todo = list(queries)
        else:
            todo = [queries[i] for i in positions]
            tagged = None if tagged is None else [tagged[i] for i in positions]
        pending = None
        if todo:
            rows = [(q.text, q.query_tag) for q in todo]
            pending = self.analyzer.start(rows) if tagged is None else self.analyzer.start_tagged(rows, list(tagged))
        return _Batch(todo, pending, meters, acceleration, weights, loose_weights or {}, watermarks or {}, len(queries))

    def _complete(self, b: _Batch) -> None:
        rows: list[tuple[Any, ...]] = []
        days: set[date] = set()
        new_targets: set[AssetKey] = set()
        writers: dict[int, _Shape] = {}
        if b.todo and b.pending is not None:
            analyses = self.analyzer.finish(b.pending)
            with self.store.read() as conn:
                self.context.runs = run_index(conn, min(q.start_time for q in b.todo), max(q.end_time for q in b.todo))
            weights = b.weights
            values: dict[int, tuple[Attributed, tuple[Any, ...]]] = {}
            append = rows.append
            encode_time = self._encode_time
            for q, a in zip(b.todo, analyses, strict=True):
                found = self.attribute(q, a)
                if q.status == "success":
                    shape = self._shape(a, q)
                    if shape.targets and not shape.registered:
                        writers[id(shape)] = shape
                cached = values.get(id(found))
                if cached is None or cached[0] is not found:
                    cached = values[id(found)] = (found, attribution_values(found.attribution, found.run_id))
                append(query_row(q, a.fingerprint, a.comment_meta, cached[1], None, weights.get(q.query_id), encode_time=encode_time))
                s, e = q.start_time.date(), q.end_time.date()
                days.add(s)
                if e != s:
                    days.update(days_between(q.start_time, q.end_time))
            for shape in writers.values():
                new_targets.update(t for t in shape.targets if t not in self._seen_targets)
        new_entries = self.analyzer.new_entries()
        new_fps = {e.fingerprint for e in new_entries}
        counts = Counter(r[3] for r in rows if r[3] is not None)
        new_counts = {fp: n for fp, n in counts.items() if fp in new_fps}
        for fp, n in counts.items():
            if fp not in new_fps:
                self._known_counts[fp] += n
        with self.store.transaction() as conn:
            if rows and not self._indexes.dropped and worth_deferring(self.store.dialect, self._stored_before, self.queries_written + len(rows)):
                self._indexes.drop(conn)  # a bulk load (see observer.store.indexes); put back by finish()
            written = write_queries(conn, rows, encoded=True)
            if new_targets:
                # tables seen written become catalog assets, so ownership rules and inference reach them
                register_tables(conn, sorted(new_targets), self.source, self.now)
            meter_days = write_meters(conn, b.meters)
            if b.acceleration:
                meter_days |= write_meters(conn, b.acceleration, acceleration_only=True)
            if b.loose_weights:
                for start, end in set_weights(conn, self.source, b.loose_weights):
                    days.update(days_between(start, end))
            if new_entries:
                write_fingerprints(conn, new_entries, new_counts, self.now)
            mark_dirty(conn, self.source, days | meter_days, self.now)
            marks = {**b.watermarks, CONTEXT_STREAM: self.context_version}
            for stream, value in marks.items():
                if self._marks.get(stream) != value:  # re-reading the same history writes nothing at all
                    set_watermark(conn, self.source, value, self.now, stream)
        self._marks.update(marks)
        self._seen_targets |= new_targets
        for shape in writers.values():
            shape.registered = True
        self.queries_written += written
        self.meters_written += len(meter_days)
        self.report.rows_written += written

    def add(
        self,
        queries: Sequence[QueryRecord],
        meters: Sequence[MeteringRecord] = (),
        *,
        acceleration: Sequence[MeteringRecord] = (),
        weights: Mapping[str, float] | None = None,
        watermarks: Mapping[str, str] | None = None,
    ) -> None:
        """Write one batch (see the module docstring); safe to repeat. Measured ``weights`` of queries
        not in the batch update those already stored."""
        in_batch = {q.query_id for q in queries}
        loose = {k: v for k, v in (weights or {}).items() if k not in in_batch}
        self._complete(
            self._begin(queries, meters, acceleration=acceleration, weights=weights, watermarks=watermarks, loose_weights=loose)
        )

    @relaxed_gc()
    def run(
        self,
        batches: Iterable[tuple[Sequence[QueryRecord], Mapping[str, str]] | tuple[Sequence[QueryRecord], Mapping[str, str], Sequence[Tagged | None]]],
        *,
        meters: Sequence[MeteringRecord] = (),
        acceleration: Sequence[MeteringRecord] = (),
        weights: Mapping[str, float] | None = None,
        progress: Callable[[int], None] = lambda done: None,
    ) -> None:
        """Write ``(queries, watermarks)`` batches in order, three in flight: while one batch is
        attributed and written, the workers parse the new query shapes of the next and fingerprint
        the one after. A batch may carry its phase-1 analysis already (``(queries, watermarks,
        tagged)`` from :meth:`HistoryAnalyzer.read`). Meters and measured weights go with the first
        batch. Full garbage collections are relaxed meanwhile (:func:`relaxed_gc`). After an
        error, call :meth:`abort`."""
        flight: deque[_Batch] = deque()
        first = True
        done = 0
        seen: set[str] = set()
        for batch in batches:
            queries, marks = batch[0], batch[1]
            if weights:
                seen.update(q.query_id for q in queries)
            flight.append(self._begin(
                queries, meters if first else (), acceleration=acceleration if first else (), weights=weights,
                watermarks=marks, tagged=batch[2] if len(batch) > 2 else None,  # type: ignore[misc]
            ))
            first = False
            if len(flight) >= 2 and flight[-2].pending is not None:
                self.analyzer.advance(flight[-2].pending)
            if len(flight) >= 3:
                oldest = flight.popleft()
                self._complete(oldest)
                done += oldest.size
                progress(done)
        while flight:
            oldest = flight.popleft()
            if flight and flight[0].pending is not None:
                self.analyzer.advance(flight[0].pending)
            self._complete(oldest)
            done += oldest.size
            progress(done)
        loose = {k: v for k, v in (weights or {}).items() if k not in seen}
        if first and (meters or acceleration):
            self._complete(self._begin([], meters, acceleration=acceleration, loose_weights=loose))
        elif loose:
            self._complete(self._begin([], loose_weights=loose))

    def _put_back_indexes(self, *, quietly: bool = False) -> None:
        """Create the query indexes a bulk load set aside. ``quietly`` (after an error): a failure is
        logged, not raised — the next time the store is opened puts them back."""
        if not self._indexes.dropped:
            return
        try:
            with self.store.transaction() as conn:
                self._indexes.restore(conn)
        except Exception:
            if not quietly:
                raise
            log.warning("query indexes not put back after a failed ingest; the next store open restores them", exc_info=True)

    def finish(self) -> LedgerReport:
        """Put back indexes set aside for a bulk load, flush fingerprint counts and recompute the
        cost lines of every changed day (in the analysis workers, when there are some), then stop
        the workers."""
        try:
            self._put_back_indexes()
            if self._known_counts:
                with self.store.transaction() as conn:
                    bump_fingerprints(conn, dict(self._known_counts), self.now)
                self._known_counts.clear()
            with relaxed_gc():
                ledger = materialize_costs(self.store, self.source, self.settings.pricing, platform=self.platform, pool=self.analyzer.pool)
        finally:
            self.analyzer.close()
        self.report.details.update(
            queries_written=self.queries_written,
            fingerprints_parsed=self.analyzer.parsed,
            parse_failures=sum(self.analyzer.failures_by_dialect.values()),
            cost_days=ledger.days,
            cost_lines=ledger.lines,
        )
        return ledger

    def abort(self) -> None:
        """Stop the analysis workers without waiting (after an error), and put back any indexes set aside."""
        self.analyzer.__exit__()
        self._put_back_indexes(quietly=True)


def export_batches(
    ingest: QueryIngest, paths: Sequence[Path], required: Sequence[str], optional: Sequence[str],
    factory: RecordFactory, report: IngestReport, batch_size: int = 20_000, *, stream: str | None = None,
) -> Iterator[tuple[list[QueryRecord], dict[str, str], list[Tagged | None]]]:
    """Batches for :meth:`QueryIngest.run` from query-history export files, read by the ingest's
    analysis workers (:meth:`HistoryAnalyzer.read`; rows the store holds unchanged are not
    fingerprinted there); with ``stream``, each batch carries the latest end time read so far as
    that stream's watermark."""
    latest: datetime | None = None
    url = shared_url(ingest.store) if ingest.analyzer.pool is not None and not ingest.first_load else None
    stored = (url, ingest.source) if url is not None else None
    for records, tagged in ingest.analyzer.read(paths, required, optional, factory, report, batch_size, stored=stored):
        if stream is not None and records:
            top = max(q.end_time for q in records)
            latest = top if latest is None or top > latest else latest
        yield records, ({stream: latest.isoformat()} if stream is not None and latest is not None else {}), tagged

