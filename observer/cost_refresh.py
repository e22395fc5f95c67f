"""Re-attribute stored queries when what attribution depends on has changed, and re-cost their days.

A query's owner can change after it was ingested: a dbt manifest ingested later names the model a
comment points at, a team gains a member, an ownership rule is added, an owner is edited in the
catalog. :func:`refresh_attribution` recomputes every stored query's attribution from the stored
facts (comment tags, the fingerprint's parsed lineage — nothing is re-parsed) and, for the queries
whose attribution changed, updates them and recomputes the cost lines of their days.

It is cheap to call after every ingest: a fingerprint of the catalog state is kept per source and
nothing is done while it is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType

from observer.attribution.queries import Attributed, AttributionContext, QueryFacts, attribute_query, hints_of
from observer.config import Settings
from observer.cost_ledger import PLATFORM_STREAM, materialize_costs
from observer.model import AssetKey
from observer.query_ingest import CONTEXT_STREAM, target_keys
from observer.sql.analysis import FingerprintEntry
from observer.sql.comments import QueryTags
from observer.store import Store
from observer.store.attribution import context_version, load_attribution_context, run_index
from observer.store.costs import days_between, mark_dirty
from observer.store.fingerprints import FingerprintRepository
from observer.store.queries import (
    attribution_chunk,
    attribution_values,
    source_platform,
    sources_with_queries,
    update_attributions,
)
from observer.store.watermarks import get_watermark, set_watermark


@dataclass
class RefreshReport:
    sources: dict[str, int] = field(default_factory=dict)
    """Per source: queries whose attribution changed."""
    cost_days: int = 0


def _tags(meta: dict[str, object] | None) -> QueryTags:
    if not meta:
        return QueryTags()
    tool = meta.get("tool")
    return QueryTags(str(tool) if tool else None, MappingProxyType({k: str(v) for k, v in meta.items() if k != "tool"}))


def refresh_attribution(
    store: Store, settings: Settings, now: datetime, *, sources: Iterable[str] | None = None, force: bool = False
) -> RefreshReport:
    """Re-attribute the stored queries of ``sources`` (default: all) whose catalog context changed."""
    report = RefreshReport()
    repo = FingerprintRepository(store)
    with store.read() as conn:
        version = context_version(conn)
        names = list(sources) if sources is not None else sources_with_queries(conn)
    for source in names:
        with store.read() as conn:
            if not force and get_watermark(conn, source, CONTEXT_STREAM) == version:
                continue
            platform = get_watermark(conn, source, PLATFORM_STREAM) or source_platform(conn, source)
            context: AttributionContext = load_attribution_context(conn)
        if platform is None:
            continue
        changed = 0
        cache: dict[tuple[object, ...], Attributed] = {}
        entries: dict[str, FingerprintEntry] = {}
        shapes: dict[tuple[str, str | None, str | None], tuple[tuple[AssetKey, ...], tuple[AssetKey, ...]]] = {}
        last_id = 0
        while True:
            with store.read() as conn:
                chunk, last_id = attribution_chunk(conn, source, last_id)
            if not chunk:
                break
            missing = {q.fingerprint for q in chunk if q.fingerprint and q.fingerprint not in entries}
            entries.update(repo.get_many(missing))
            with store.read() as conn:
                context.runs = run_index(conn, min(q.start_time for q in chunk), max(q.end_time for q in chunk))
            updates = []
            chunk_days: set[date] = set()
            for q in chunk:
                entry = entries.get(q.fingerprint or "")
                key = (q.fingerprint or "", q.database_name, q.schema_name)
                if key not in shapes:
                    shapes[key] = (
                        (target_keys(entry.lineage.targets, platform, q.database_name, q.schema_name) if entry else ()),
                        (target_keys(entry.lineage.sources, platform, q.database_name, q.schema_name) if entry else ()),
                    )
                targets, reads = shapes[key]
                facts = QueryFacts(
                    q.query_id, q.user_name, q.start_time, q.end_time,
                    entry.statement_type if entry else None, targets, reads,
                    entry.parse_error if entry else None, hints_of(_tags(q.comment_meta), q.query_tag),
                )
                if context.runs is None:
                    memo = (q.fingerprint, q.user_name, q.database_name, q.schema_name, facts.hints)
                    if memo not in cache:
                        cache[memo] = attribute_query(facts, context)
                    found = cache[memo]
                else:
                    found = attribute_query(facts, context)
                values = attribution_values(found.attribution, found.run_id)
                if values != q.current:
                    updates.append((q.query_id, values))
                    chunk_days.update(days_between(q.start_time, q.end_time))
            if updates:
                # the changed rows and the days they re-cost commit together (crash-safe)
                with store.transaction() as conn:
                    changed += update_attributions(conn, source, updates)
                    mark_dirty(conn, source, chunk_days, now)
        with store.transaction() as conn:
            set_watermark(conn, source, version, now, CONTEXT_STREAM)
        report.cost_days += materialize_costs(store, source, settings.pricing, platform=platform).days
        report.sources[source] = changed
    return report


__all__ = ["RefreshReport", "refresh_attribution"]
