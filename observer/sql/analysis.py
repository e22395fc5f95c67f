"""One call for ingestion: fingerprint + tags + lineage of a query, parsed once per fingerprint.

Collectors hand every history row to a :class:`QueryAnalyzer`. Each row is fingerprinted and its
comments/tags read (cheap, every row); its lineage is looked up by fingerprint — first in an
in-memory LRU, then (when a store-backed cache is given) in the store's ``fingerprints`` table — and
only a fingerprint seen for the first time is parsed. Lineage is therefore computed once per query
shape, ever.

Signatures other code calls::

    from observer.sql.analysis import QueryAnalyzer, analyze_query

    analyze_query(text: str, dialect: str | None = None, *, query_tag: str | None = None,
                  labels=None) -> QueryAnalysis                       # process-wide analyzer

    analyzer = QueryAnalyzer(cache_size=50_000, store=None, limits=DEFAULT_LIMITS)
    analyzer.analyze(text, dialect=None, *, query_tag=None, labels=None) -> QueryAnalysis
    analyzer.analyze_many(rows: Iterable[QueryInput]) -> list[QueryAnalysis]   # batched store I/O
        # QueryInput(text, dialect=None, query_tag=None, labels=None, fingerprint=None)
    analyzer.new_entries() -> list[FingerprintEntry]   # parsed since last call, for store upsert
    analyzer.failures_by_dialect -> dict[str, int]     # parse failures among new fingerprints

    tune_gc_for_analysis()   # once, at the start of a process that analyzes history at volume

``store`` is anything with ``get_many(fingerprints) -> dict[str, FingerprintEntry]``, e.g.
:class:`observer.store.fingerprints.FingerprintRepository`. The analyzer never writes: the caller
upserts :meth:`QueryAnalyzer.new_entries` (with occurrence counts) in its own transaction, next to
the query rows, so a crash cannot leave the two out of step.

``QueryAnalysis.lineage`` holds names as written; complete them per row with
:func:`observer.sql.names.qualify_name` and the row's database/schema.
"""

from __future__ import annotations

import gc
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from observer.sql.comments import QueryTags, query_tags
from observer.sql.fingerprint import fingerprint
from observer.sql.lineage import LineageResult, extract_lineage, normalize_dialect
from observer.sql.parse import DEFAULT_LIMITS, Limits


@dataclass(frozen=True)
class FingerprintEntry:
    """What is cached per fingerprint (one row of the store's ``fingerprints`` table)."""

    fingerprint: str
    dialect: str | None
    sample_sql: str
    lineage: LineageResult
    parse_ms: float

    @property
    def statement_type(self) -> str | None:
        return self.lineage.statement_type

    @property
    def parse_error(self) -> str | None:
        return self.lineage.error


class QueryAnalysis(NamedTuple):
    """The analysis of one query row (an immutable named tuple: one is built per history row)."""

    fingerprint: str
    dialect: str | None
    tags: QueryTags
    lineage: LineageResult
    cached: bool
    """True when lineage came from a cache (memory or store) rather than a parse of this row."""

    @property
    def error(self) -> str | None:
        return self.lineage.error

    @property
    def statement_type(self) -> str | None:
        return self.lineage.statement_type


class QueryInput(NamedTuple):
    text: str
    dialect: str | None = None
    query_tag: str | None = None
    labels: Mapping[str, Any] | Iterable[Mapping[str, Any]] | str | None = None
    fingerprint: str | None = None
    """Already computed by the caller (e.g. to route rows to workers by fingerprint); else computed."""


class FingerprintStore(Protocol):
    def get_many(self, fingerprints: Iterable[str]) -> dict[str, FingerprintEntry]: ...


class LineageCache:
    """A bounded LRU of :class:`FingerprintEntry` by fingerprint."""

    def __init__(self, maxsize: int = 50_000) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[str, FingerprintEntry] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> FingerprintEntry | None:
        entry = self._data.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._data.move_to_end(key)
        self.hits += 1
        return entry

    def put(self, entry: FingerprintEntry) -> None:
        self._data[entry.fingerprint] = entry
        self._data.move_to_end(entry.fingerprint)
        while len(self._data) > self.maxsize:
            self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: str) -> bool:
        return key in self._data


class QueryAnalyzer:
    """Fingerprints, tags and (once per fingerprint) lineage for query-history rows."""

    def __init__(
        self,
        *,
        cache_size: int = 50_000,
        store: FingerprintStore | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.cache = LineageCache(cache_size)
        self.store = store
        self.limits = limits
        self.parsed = 0
        self.failures_by_dialect: dict[str, int] = {}
        self._new: dict[str, FingerprintEntry] = {}

    def analyze(
        self,
        text: str,
        dialect: str | None = None,
        *,
        query_tag: str | None = None,
        labels: Mapping[str, Any] | Iterable[Mapping[str, Any]] | str | None = None,
    ) -> QueryAnalysis:
        """Analyze one row (store lookups one at a time; prefer :meth:`analyze_many` for batches)."""
        dialect = normalize_dialect(dialect)
        fp = fingerprint(text, dialect)
        entry = self.cache.get(fp)
        cached = entry is not None
        if entry is None and self.store is not None:
            entry = self.store.get_many([fp]).get(fp)
            if entry is not None:
                self.cache.put(entry)
                cached = True
        if entry is None:
            entry = self._parse(fp, text, dialect)
        tags = query_tags(text, query_tag, labels) if (query_tag or labels or "--" in text or "/*" in text) else _NO_TAGS
        return QueryAnalysis(fp, dialect, tags, entry.lineage, cached)

    def analyze_many(self, rows: Iterable[QueryInput | tuple[Any, ...]]) -> list[QueryAnalysis]:
        """Analyze a batch: one store round trip for all fingerprints the LRU does not hold."""
        prepared = []
        last_raw: object = ""
        dialect: str | None = None
        for row in rows:
            # Plain tuples and QueryInput alike, indexed rather than rebuilt (this runs per row).
            text = row[0]
            n = len(row)
            raw = row[1] if n > 1 else None
            if raw != last_raw:  # a batch usually holds one dialect
                dialect = _dialect(raw)
                last_raw = raw
            fp = row[4] if n > 4 and row[4] else fingerprint(text, dialect)
            prepared.append((text, dialect, row[2] if n > 2 else None, row[3] if n > 3 else None, fp))
        cache = self.cache
        if self.store is not None:
            unknown = {p[4] for p in prepared if p[4] not in cache}
            if unknown:
                for entry in self.store.get_many(unknown).values():
                    cache.put(entry)
        out: list[QueryAnalysis] = []
        append = out.append
        # The LRU's lookup inlined (hit: move to the end), with its counters updated once per batch.
        lookup = cache._data.get
        touch = cache._data.move_to_end
        hits = 0
        new = tuple.__new__
        for text, dialect, query_tag, labels, fp in prepared:
            hit = lookup(fp)
            if hit is not None:
                touch(fp)
                hits += 1
                entry, cached = hit, True
            else:
                cache.misses += 1
                entry, cached = self._parse(fp, text, dialect), False
            if query_tag or labels or "--" in text or "/*" in text:
                tags = query_tags(text, query_tag, labels)
            else:
                tags = _NO_TAGS
            append(new(QueryAnalysis, (fp, dialect, tags, entry.lineage, cached)))
        cache.hits += hits
        return out

    def _parse(self, fp: str, text: str, dialect: str | None) -> FingerprintEntry:
        started = time.perf_counter()
        lineage = extract_lineage(text, dialect, limits=self.limits)
        entry = FingerprintEntry(fp, dialect, text, lineage, (time.perf_counter() - started) * 1000)
        self.parsed += 1
        if lineage.error:
            key = dialect or "generic"
            self.failures_by_dialect[key] = self.failures_by_dialect.get(key, 0) + 1
        self.cache.put(entry)
        self._new[fp] = entry
        return entry

    def new_entries(self) -> list[FingerprintEntry]:
        """Entries parsed since the last call (to upsert into the store), then forgets them."""
        entries = list(self._new.values())
        self._new.clear()
        return entries


_NO_TAGS = QueryTags()
_DIALECTS: dict[str | None, str | None] = {}


def _dialect(name: str | None) -> str | None:
    hit = _DIALECTS.get(name, "")
    if hit == "":
        hit = _DIALECTS[name] = normalize_dialect(name)
    return hit


def tune_gc_for_analysis(full_every: int = 100) -> None:
    """Fit CPython's cyclic garbage collector to a process that analyzes query history at volume.

    Such a process keeps a large, long-lived LRU of lineage results and makes a few short-lived
    container objects per row (the row's analysis, its tags). CPython's generational collector
    promotes those row objects to the oldest generation while their batch is in use, and runs a
    full collection — a walk over every cached result — each time the oldest generation has grown
    by a quarter: in ``bench/lineage/history.py`` that was a quarter of an analysis worker's CPU.
    This makes full collections rarer (at most once per ``full_every`` middle-generation
    collections instead of 10; they still run, so cyclic garbage such as parsed trees is still
    reclaimed) and freezes the objects that exist when it is called (modules, sqlglot's tables),
    which live for the whole process, out of all later collections. Process-wide: call it from the
    process's entry point (an ingestion worker), not from library code.
    """
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, max(old, full_every))


@contextmanager
def relaxed_gc(full_every: int = 100) -> Iterator[None]:
    """Within the block, full garbage collections at most once per ``full_every`` middle-generation
    ones (see :func:`tune_gc_for_analysis`), the thresholds restored after it. For a process that
    ingests history among other work (the CLI, the scheduler): a million-row ingest holds millions of
    live rows and cached results, which every full collection walks."""
    before = gc.get_threshold()
    gc.set_threshold(before[0], before[1], max(before[2], full_every))
    try:
        yield
    finally:
        gc.set_threshold(*before)


_DEFAULT: QueryAnalyzer | None = None


def analyze_query(
    text: str,
    dialect: str | None = None,
    *,
    query_tag: str | None = None,
    labels: Mapping[str, Any] | Iterable[Mapping[str, Any]] | str | None = None,
) -> QueryAnalysis:
    """Analyze one query with a process-wide in-memory analyzer (no store)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = QueryAnalyzer()
    return _DEFAULT.analyze(text, dialect, query_tag=query_tag, labels=labels)
