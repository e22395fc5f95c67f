"""Fingerprints, tags and lineage for query-history batches — in worker processes, each shape parsed once.

Reading SQL is most of the work of ingesting query history: every row is fingerprinted and its
comments and tags read, and every *new* fingerprint is parsed for lineage
(:mod:`observer.sql.fingerprint`, :mod:`observer.sql.comments`, :mod:`observer.sql.lineage`). This
module runs that work in two phases per batch so it can be spread over worker processes while the
ingesting process reads files and writes the store:

1. **fingerprint, tags and attribution hints** of every row (split across workers; the tags come
   back already encoded as stored);
2. in the ingesting process, fingerprints already known — in memory, or in the store's
   ``fingerprints`` table from any earlier run (:class:`~observer.store.fingerprints.FingerprintRepository`)
   — are looked up; only the unknown ones are sent back to the workers to be **parsed**, once each.

Export files can be read by the workers too (:meth:`HistoryAnalyzer.read`): the ingesting process
only cuts each file into chunks of whole records, and the workers parse the rows into records and
run phase 1 on them in the same step (:meth:`~HistoryAnalyzer.start_tagged` takes such a batch).

``start`` submits phase 1 and returns at once; ``finish`` completes both phases. With ``workers=0``
everything runs inline (small batches, tests). The parsed entries are handed to the caller
(:meth:`HistoryAnalyzer.new_entries`) to be written in the same transaction as the query rows.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections import deque
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from typing import Any, NamedTuple

from observer.attribution.queries import NO_HINTS, Hints, hints_of
from observer.exports import Chunk, chunk_rows, make_records, read_chunks
from observer.fields import Layout
from observer.model import QueryRecord
from observer.plugins import IngestReport
from observer.sql.analysis import FingerprintEntry, LineageCache, tune_gc_for_analysis
from observer.sql.comments import QueryTags, query_tags
from observer.sql.fingerprint import fingerprint
from observer.sql.lineage import LineageResult, extract_lineage, normalize_dialect
from observer.store import worker_store
from observer.store.bulk import RawJson, encode_json
from observer.store.fingerprints import FingerprintRepository
from observer.store.queries import revision, stored_revisions

Tagged = tuple[str, str | None, tuple[Any, ...] | None]
"""Phase-1 result per row: fingerprint, the tags as stored (encoded JSON, ``None`` when there are
none) and the attribution hints as a tuple of :class:`Hints` fields (``None`` when there are none).
Workers return these plain values: they pickle in a fraction of the time of objects, and the
ingesting process — the busier one — does not have to encode or read tags at all."""


class RowAnalysis(NamedTuple):
    """One history row's analysis (a named tuple: a million are built per million-row ingest)."""

    fingerprint: str
    comment_meta: RawJson | None
    """The tags (and ``tool``) as stored in ``queries.comment_meta``."""
    hints: Hints
    lineage: LineageResult

    @property
    def statement_type(self) -> str | None:
        return self.lineage.statement_type

    @property
    def error(self) -> str | None:
        return self.lineage.error


def tags_json(tags: QueryTags) -> RawJson | None:
    """The tags as stored in ``queries.comment_meta``: the tag map plus ``tool``, or ``None``."""
    if not tags.tags and tags.tool is None:
        return None
    meta: dict[str, Any] = dict(tags.tags)
    if tags.tool:
        meta["tool"] = tags.tool
    return encode_json(meta)


def _fields(h: Hints) -> tuple[Any, ...]:
    return (h.via, h.dbt_node_id, h.dbt_invocation_id, h.airflow_dag_id, h.airflow_task_id, h.airflow_run_id,
            h.dagster_run_id, h.dagster_step, h.dagster_asset)


def _fingerprint_rows(dialect: str | None, rows: Sequence[tuple[str, str | None]], skip: Collection[int] = ()) -> list[Tagged]:
    """Phase 1 for ``(text, query_tag)`` rows; the positions in ``skip`` get a placeholder (``None``
    in the result: rows known not to be needed)."""
    out: list[Tagged] = []
    append = out.append
    for i, (text, tag) in enumerate(rows):
        if skip and i in skip:
            append(None)  # type: ignore[arg-type]
            continue
        fp = fingerprint(text, dialect)
        if tag or "--" in text or "/*" in text:
            t = query_tags(text, tag)
            hints = hints_of(t, tag)
            append((fp, tags_json(t), None if hints is NO_HINTS else _fields(hints)))
        else:
            append((fp, None, None))
    return out


RecordFactory = Callable[[Layout], Callable[[list[Any]], QueryRecord | None]]
"""Makes a row → :class:`QueryRecord` function for a file's column layout (it may raise
:class:`~observer.fields.FieldError`, and returns ``None`` for a row that is not a query to keep);
must pickle (a class, or a ``functools.partial`` of one such as :class:`RowMaker`), as it runs in
the workers."""


class RowMaker:
    """A collector's ``make(row, layout, **options) -> QueryRecord | None`` bound to one layout;
    ``functools.partial(RowMaker, make, **options)`` is a :data:`RecordFactory`."""

    __slots__ = ("layout", "make", "options")

    def __init__(self, make: Callable[..., QueryRecord | None], layout: Layout, **options: Any) -> None:
        self.make, self.layout, self.options = make, layout, options

    def __call__(self, row: list[Any]) -> QueryRecord | None:
        return self.make(row, self.layout, **self.options)


def _read_chunk(
    dialect: str | None, chunk: Chunk, columns: tuple[str, ...], factory: RecordFactory, stored: tuple[str, str] | None = None,
) -> tuple[list[tuple[Any, ...]], list[Tagged | None], IngestReport]:
    """A chunk of an export → its records (as plain tuples: they pickle faster and a read-only
    mapping does not pickle at all), their phase-1 analysis, and the rows read and bad. With
    ``stored`` (store URL, source), rows the store already holds as they are get ``None`` instead
    of an analysis: re-reading an export then costs a lookup per row here too."""
    report = IngestReport()
    records = [q for q in make_records(chunk.label, chunk_rows(chunk), factory(Layout.of(columns)), report) if q is not None]
    skip: set[int] = set()
    if stored is not None and records:
        url, source = stored
        with worker_store(url).read() as conn:
            old = stored_revisions(conn, source, [q.query_id for q in records])
        if old:
            skip = {i for i, q in enumerate(records) if (o := old.get(q.query_id)) is not None and o[:-1] == revision(q)}
    tagged: list[Tagged | None] = list(_fingerprint_rows(dialect, [(q.text, q.query_tag) for q in records], skip))
    return [q[:-1] if not q.labels else (*q[:-1], dict(q.labels)) for q in records], tagged, report


def _parse_texts(dialect: str | None, items: Sequence[tuple[str, str]]) -> list[tuple[str, LineageResult, float]]:
    out = []
    for fp, text in items:
        started = time.perf_counter()
        lineage = extract_lineage(text, dialect)
        out.append((fp, lineage, (time.perf_counter() - started) * 1000))
    return out


def _record(values: tuple[Any, ...]) -> QueryRecord:
    return QueryRecord(*values)


def _chunks(items: Sequence[Any], parts: int) -> list[Sequence[Any]]:
    if parts <= 1 or len(items) < 2 * parts:
        return [items] if items else []
    size = -(-len(items) // parts)
    return [items[i : i + size] for i in range(0, len(items), size)]


@dataclass
class Pending:
    """A batch between :meth:`HistoryAnalyzer.start` and :meth:`HistoryAnalyzer.finish`."""

    rows: list[tuple[str, str | None]]
    parts: list[AsyncResult[list[Tagged]]] | None
    """Phase 1 in the workers (``None`` inline, where ``tagged`` is set at once)."""
    tagged: list[Tagged] | None = None
    jobs: list[AsyncResult[list[tuple[str, LineageResult, float]]]] = field(default_factory=list)
    """Phase 2 in the workers: parses of this batch's new fingerprints, once advanced."""
    texts: dict[str, str] = field(default_factory=dict)
    """The text each of those fingerprints is parsed from."""
    results: list[tuple[str, LineageResult, float]] = field(default_factory=list)
    """Phase 2 done (inline at once; from the workers in :meth:`~HistoryAnalyzer.finish`)."""
    advanced: bool = False


class HistoryAnalyzer:
    """See the module docstring. Call :meth:`close` (or use as a context manager) to stop the workers."""

    def __init__(self, repo: FingerprintRepository, dialect: str | None, *, workers: int = 0, cache_size: int = 250_000) -> None:
        self.repo = repo
        self.dialect = normalize_dialect(dialect)
        self.cache = LineageCache(cache_size)
        self.workers = workers
        self._pool: Pool | None = None
        if workers > 0:
            # forkserver: workers start from a clean process, safe even when the ingesting process
            # runs threads (the scheduler, the API); they import only observer.sql.
            method = "forkserver" if sys.platform == "linux" else "spawn"
            self._pool = multiprocessing.get_context(method).Pool(workers, initializer=tune_gc_for_analysis)
        self.parsed = 0
        self.failures_by_dialect: dict[str, int] = {}
        self._new: dict[str, FingerprintEntry] = {}
        self._inflight: set[str] = set()
        self._hints: dict[tuple[Any, ...], Hints] = {}
        """One :class:`Hints` per distinct value (repeated by every run of the same dbt model, task …)."""

    def start(self, rows: list[tuple[str, str | None]]) -> Pending:
        """Begin phase 1 for ``(text, query_tag)`` rows."""
        if self._pool is None:
            return Pending(rows, None, _fingerprint_rows(self.dialect, rows))
        parts = [self._pool.apply_async(_fingerprint_rows, (self.dialect, chunk)) for chunk in _chunks(rows, self.workers)]
        return Pending(rows, parts)

    def read(
        self, paths: Sequence[Path], required: Sequence[str], optional: Sequence[str], factory: RecordFactory,
        report: IngestReport, batch_size: int = 20_000, *, stored: tuple[str, str] | None = None,
    ) -> Iterator[tuple[list[QueryRecord], list[Tagged | None]]]:
        """Read query-history export files into batches of records *with their phase-1 analysis*:
        the reading process only decompresses and cuts the files into chunks of whole records
        (:func:`observer.exports.read_chunks`); the workers parse, check and fingerprint the rows, a
        few chunks ahead. Bad rows are counted in ``report`` exactly as
        :func:`observer.exports.read_batches` counts them. With ``stored`` (see :func:`_read_chunk`),
        rows the store holds unchanged come without analysis (``None``). Hand each batch to
        :meth:`start_tagged`."""
        records: list[QueryRecord] = []
        tagged: list[Tagged | None] = []
        ahead = deque[Any]()
        depth = 2 * self.workers + 2

        def collect(result: tuple[list[tuple[Any, ...]], list[Tagged | None], IngestReport]) -> None:
            rows, tags, part = result
            records.extend(map(_record, rows))
            tagged.extend(tags)
            report.merge(part)

        for path in paths:
            columns, chunks = read_chunks(path, required, optional)
            for chunk in chunks:
                if self._pool is None:
                    collect(_read_chunk(self.dialect, chunk, columns, factory, stored))
                else:
                    ahead.append(self._pool.apply_async(_read_chunk, (self.dialect, chunk, columns, factory, stored)))
                    if len(ahead) < depth:
                        continue
                    collect(ahead.popleft().get())
                while len(records) >= batch_size:
                    yield records[:batch_size], tagged[:batch_size]
                    del records[:batch_size], tagged[:batch_size]
            while ahead:
                collect(ahead.popleft().get())
                while len(records) >= batch_size:
                    yield records[:batch_size], tagged[:batch_size]
                    del records[:batch_size], tagged[:batch_size]
        if records:
            yield records, tagged

    def start_tagged(self, rows: list[tuple[str, str | None]], tagged: list[Tagged | None]) -> Pending:
        """A batch whose phase 1 is done already (by :meth:`read`): ``(text, query_tag)`` rows and
        their results, in the same order; a row without one (``None``) is analysed here."""
        missing = [i for i, t in enumerate(tagged) if t is None]
        if missing:
            for i, t in zip(missing, _fingerprint_rows(self.dialect, [rows[i] for i in missing]), strict=True):
                tagged[i] = t
        return Pending(rows, None, tagged)  # type: ignore[arg-type]

    def advance(self, pending: Pending) -> None:
        """Collect phase 1 and submit phase 2 — the parses of fingerprints neither cached, stored, nor
        already being parsed for an earlier batch — without waiting for them. Calling this for the
        next batch before finishing the current one keeps the workers parsing while the caller
        attributes and writes. Batches must be finished in the order they were advanced."""
        if pending.advanced:
            return
        pending.advanced = True
        if pending.tagged is None:
            pending.tagged = [t for p in pending.parts or () for t in p.get()]
        cache, inflight = self.cache, self._inflight
        unknown = {fp for fp, _, _ in pending.tagged if fp not in cache and fp not in inflight}
        if unknown:
            for entry in self.repo.get_many(unknown).values():
                self.cache.put(entry)
                unknown.discard(entry.fingerprint)
        if not unknown:
            return
        texts = pending.texts
        for (text, _), (fp, _, _) in zip(pending.rows, pending.tagged, strict=True):
            if fp in unknown and fp not in texts:
                texts[fp] = text
        inflight.update(texts)
        items = list(texts.items())
        if self._pool is None:
            pending.results = _parse_texts(self.dialect, items)
        else:
            pending.jobs = [self._pool.apply_async(_parse_texts, (self.dialect, c)) for c in _chunks(items, self.workers * 4)]

    def finish(self, pending: Pending) -> list[RowAnalysis]:
        """Complete a batch: fingerprints and tags, lineage once per new fingerprint."""
        self.advance(pending)
        if pending.jobs:
            pending.results = [r for j in pending.jobs for r in j.get()]
            pending.jobs = []
        if pending.texts:
            self._store(pending.texts, pending.results)
            self._inflight.difference_update(pending.texts)
            pending.texts, pending.results = {}, []
        assert pending.tagged is not None
        out: list[RowAnalysis] = []
        append = out.append
        # The LRU's lookup inlined (every fingerprint is cached by now), its counter updated once.
        lookup, touch = self.cache._data.__getitem__, self.cache._data.move_to_end
        new = tuple.__new__
        known = self._hints
        if len(known) > 100_000:
            known.clear()
        for fp, meta, hints in pending.tagged:
            touch(fp)
            if hints is None:
                h = NO_HINTS
            else:
                found = known.get(hints)
                h = found if found is not None else known.setdefault(hints, Hints(*hints))
            append(new(RowAnalysis, (fp, None if meta is None else RawJson(meta), h, lookup(fp).lineage)))
        self.cache.hits += len(out)
        return out

    def _store(self, texts: dict[str, str], results: list[tuple[str, LineageResult, float]]) -> None:
        for fp, lineage, ms in results:
            entry = FingerprintEntry(fp, self.dialect, texts[fp], lineage, ms)
            self.cache.put(entry)
            self._new[fp] = entry
            self.parsed += 1
            if lineage.error:
                key = self.dialect or "generic"
                self.failures_by_dialect[key] = self.failures_by_dialect.get(key, 0) + 1

    def new_entries(self) -> list[FingerprintEntry]:
        """Entries parsed since the last call (to be written with the batch's rows), then forgets them."""
        entries = list(self._new.values())
        self._new.clear()
        return entries

    @property
    def pool(self) -> Pool | None:
        """The worker processes (``None`` inline), for other per-ingest work such as the cost ledger."""
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> HistoryAnalyzer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
