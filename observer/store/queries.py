"""Query history in the store: bulk idempotent writes, change detection, and the reads costing needs.

A query is identified by ``(source, query_id)``. Writing the same history twice changes nothing and
reports nothing written; a row that changed at the source (a late ``END_TIME``, revised cloud-services
credits) is updated in place. :func:`stored_revisions` lets the ingest path skip unchanged rows
*before* analysing them, so re-reading a million-row export costs a lookup, not a re-parse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, case, func, or_, select, update

from observer.model import AssetKey, Attribution, QueryRecord
from observer.sql.analysis import FingerprintEntry
from observer.store.bulk import RawJson, sqlite_time, write_rows
from observer.store.tables import assets, fingerprints, queries

QUERY_COLUMNS: tuple[str, ...] = (
    "source", "query_id", "platform", "fingerprint", "text", "user_name", "role_name", "warehouse",
    "warehouse_size", "database_name", "schema_name", "query_type", "status", "error_message", "query_tag",
    "start_time", "end_time", "execution_ms", "compilation_ms", "queued_ms", "total_elapsed_ms",
    "bytes_scanned", "bytes_billed", "slot_ms", "rows_produced", "cloud_services_credits", "qas_bytes_scanned",
    "compute_weight", "comment_meta", "asset_key", "owner", "team", "attribution_rule", "attribution_reason",
    "run_id",
)
ATTRIBUTION_COLUMNS = ("asset_key", "owner", "team", "attribution_rule", "attribution_reason", "run_id")
LONGEST_QUERY = timedelta(days=2)
"""Queries are looked up by start time; one running longer than this is not seen by later hours."""

Revision = tuple[Any, ...]


def revision(q: QueryRecord) -> Revision:
    """The fields of a query a source revises, as :func:`stored_revisions` returns them (less the weight)."""
    return (q.end_time, q.status, q.execution_ms, q.cloud_services_credits, q.bytes_billed, q.slot_ms)


def stored_revisions(conn: Connection, source: str, query_ids: Sequence[str]) -> dict[str, Revision]:
    """For the stored rows among ``query_ids``: the fields a source revises (end time, status,
    execution ms, cloud-services credits, bytes billed, slot-ms) and last the measured weight."""
    c = queries.c
    out: dict[str, Revision] = {}
    stmt = select(
        c.query_id, c.end_time, c.status, c.execution_ms, c.cloud_services_credits, c.bytes_billed, c.slot_ms,
        c.compute_weight,
    ).where(c.source == source, c.query_id.in_(bindparam("ids", expanding=True)))
    for start in range(0, len(query_ids), 900):
        for r in conn.execute(stmt, {"ids": list(query_ids[start : start + 900])}):
            out[r[0]] = tuple(r[1:])
    return out


def query_row(
    q: QueryRecord,
    fingerprint: str | None,
    comment_meta: Mapping[str, Any] | RawJson | None,
    attribution: Attribution | tuple[Any, ...],
    run_id: str | None = None,
    compute_weight: float | None = None,
    *,
    encode_time: Callable[[datetime], Any] | None = None,
) -> tuple[Any, ...]:
    """A row in :data:`QUERY_COLUMNS` order for :func:`write_queries`; ``attribution`` may be given
    as its :func:`attribution_values` (then ``run_id`` is theirs). With ``encode_time`` (the store's
    :func:`~observer.store.bulk.time_encoder`) and ``comment_meta`` as :class:`RawJson` or ``None``,
    the row is built encoded: write it with ``write_queries(..., encoded=True)``."""
    if comment_meta and not isinstance(comment_meta, RawJson):
        comment_meta = dict(comment_meta)
    who = attribution if isinstance(attribution, tuple) else attribution_values(attribution, run_id)
    # QueryRecord's field order: source, query_id, platform, text, start, end, user … query_tag (6:16),
    # execution_ms … qas_bytes_scanned (16:26), compute_weight (26).
    start, end = (q[4], q[5]) if encode_time is None else (encode_time(q[4]), encode_time(q[5]))
    return (
        *q[0:3], fingerprint, q[3], *q[6:16], start, end, *q[16:26],
        compute_weight if compute_weight is not None else q[26], comment_meta, *who,
    )


def write_queries(conn: Connection, rows: Sequence[tuple[Any, ...]], *, encoded: bool = False) -> int:
    """Upsert rows built by :func:`query_row`; returns how many were new or changed.

    A stored measured weight (``compute_weight``) is kept when a row arrives without one.
    """
    return write_rows(
        conn, queries, QUERY_COLUMNS, rows, conflict=("source", "query_id"), keep=("compute_weight",), encoded=encoded
    )


def set_weights(conn: Connection, source: str, weights: Mapping[str, float]) -> list[tuple[datetime, datetime]]:
    """Store measured weights for queries already stored; returns the windows of those that changed."""
    c = queries.c
    ids = list(weights)
    changed: list[tuple[str, datetime, datetime]] = []
    stmt = select(c.query_id, c.compute_weight, c.start_time, c.end_time).where(
        c.source == source, c.query_id.in_(bindparam("ids", expanding=True))
    )
    for start in range(0, len(ids), 900):
        for r in conn.execute(stmt, {"ids": ids[start : start + 900]}):
            if r.compute_weight != weights[r.query_id]:
                changed.append((r.query_id, r.start_time, r.end_time))
    if changed:
        conn.execute(
            update(queries)
            .where(c.source == source, c.query_id == bindparam("qid"))
            .values(compute_weight=bindparam("w")),
            [{"qid": q, "w": weights[q]} for q, _, _ in changed],
        )
    return [(s, e) for _, s, e in changed]


class StoredUsage(NamedTuple):
    """What the cost ledger reads of one stored query (a named tuple: a million of them are built
    per recomputation, at a fifth of a frozen dataclass's cost)."""

    query_id: str
    warehouse: str | None
    warehouse_size: str | None
    start_time: datetime
    end_time: datetime
    compilation_ms: float
    queued_ms: float
    compute_weight: float | None
    cloud_services_credits: float
    qas_bytes_scanned: int
    bytes_billed: int | None
    bytes_scanned: int
    slot_ms: int | None
    user_name: str | None
    fingerprint: str | None
    asset_key: str | None
    owner: str | None
    team: str | None
    rule: str | None
    reason: str | None


_USAGE_SQL = (
    "SELECT query_id, warehouse, warehouse_size, start_time, end_time, compilation_ms, queued_ms, compute_weight, "
    "cloud_services_credits, qas_bytes_scanned, bytes_billed, bytes_scanned, slot_ms, user_name, fingerprint, "
    "asset_key, owner, team, attribution_rule, attribution_reason FROM queries "
    "WHERE {source} = {p} AND start_time >= {p} AND start_time < {p} AND end_time >= {p} ORDER BY query_id"
)


def usages_between(conn: Connection, source: str, start: datetime, end: datetime) -> list[StoredUsage]:
    """Queries of ``source`` that overlap ``[start, end)``.

    Read through the driver (hundreds of thousands of rows per day at scale); times come back as
    aware UTC datetimes, as SQLAlchemy would return them.
    """
    earliest = start - LONGEST_QUERY
    if conn.dialect.name == "sqlite":
        params: tuple[Any, ...] = (source, sqlite_time(earliest), sqlite_time(end), sqlite_time(start))
        # ``+source``: SQLite would otherwise walk the (source, query_id) key — every query of the
        # source, per day — instead of the start-time index that holds just the window. Rows come in
        # query-id order either way, so the apportioned sums are the same to the last bit.
        sql = _USAGE_SQL.format(p="?", source="+source")

        def when(v: Any) -> datetime:
            return datetime.fromisoformat(v).replace(tzinfo=UTC)
    else:
        params = (source, earliest.astimezone(UTC).replace(tzinfo=None), end.astimezone(UTC).replace(tzinfo=None),
                  start.astimezone(UTC).replace(tzinfo=None))
        sql = _USAGE_SQL.format(p="%s", source="source")

        def when(v: Any) -> datetime:
            return v.replace(tzinfo=UTC)  # type: ignore[no-any-return]
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    make = StoredUsage._make
    return [make((r[0], r[1], r[2], when(r[3]), when(r[4]), *r[5:])) for r in rows]


def has_queries(conn: Connection, source: str) -> bool:
    """Whether any query of ``source`` is stored."""
    c = queries.c
    return conn.execute(select(c.id).where(c.source == source).limit(1)).first() is not None


def count_queries(conn: Connection, source: str, start: datetime, end: datetime) -> int:
    """How many of ``source``'s queries started in ``[start, end)``."""
    c = queries.c
    return int(conn.execute(
        select(func.count()).select_from(queries).where(c.source == source, c.start_time >= start, c.start_time < end)
    ).scalar() or 0)


def query_span(conn: Connection, source: str) -> dict[str | None, tuple[datetime, datetime]]:
    """First start and last end of ``source``'s stored queries, per warehouse."""
    c = queries.c
    rows = conn.execute(
        select(c.warehouse, func.min(c.start_time), func.max(c.end_time)).where(c.source == source).group_by(c.warehouse)
    )
    from observer.store.tables import UTCDateTime

    conv = UTCDateTime().process_result_value
    out: dict[str | None, tuple[datetime, datetime]] = {}
    for wh, lo, hi in rows:
        lo_v, hi_v = conv(lo, conn.dialect), conv(hi, conn.dialect)
        if lo_v is not None and hi_v is not None:
            out[wh] = (lo_v, hi_v)
    return out


def source_platform(conn: Connection, source: str) -> str | None:
    c = queries.c
    return conn.execute(select(c.platform).where(c.source == source).limit(1)).scalar()


def sources_with_queries(conn: Connection) -> list[str]:
    return [r[0] for r in conn.execute(select(queries.c.source).distinct().order_by(queries.c.source))]


@dataclass(frozen=True, slots=True)
class AttributionInput:
    """A stored query's facts that attribution reads, and the attribution it has now."""

    query_id: str
    fingerprint: str | None
    user_name: str | None
    database_name: str | None
    schema_name: str | None
    query_tag: str | None
    comment_meta: dict[str, Any] | None
    start_time: datetime
    end_time: datetime
    current: tuple[Any, ...]
    """Stored :data:`ATTRIBUTION_COLUMNS` values."""


def attribution_chunk(conn: Connection, source: str, after_id: int = 0, limit: int = 50_000) -> tuple[list[AttributionInput], int]:
    """Up to ``limit`` stored queries of ``source`` with row id above ``after_id`` (for re-attribution
    in pages), and the last row id returned (``after_id`` when none)."""
    c = queries.c
    rows = conn.execute(
        select(
            c.id, c.query_id, c.fingerprint, c.user_name, c.database_name, c.schema_name, c.query_tag,
            c.comment_meta, c.start_time, c.end_time,
            *(c[name] for name in ATTRIBUTION_COLUMNS),
        )
        .where(c.source == source, c.id > after_id)
        .order_by(c.id)
        .limit(limit)
    ).all()
    if not rows:
        return [], after_id
    return [AttributionInput(*r[1:10], tuple(r[10:])) for r in rows], int(rows[-1][0])


def update_attributions(conn: Connection, source: str, changes: Iterable[tuple[str, tuple[Any, ...]]]) -> int:
    """Set :data:`ATTRIBUTION_COLUMNS` of the given queries (``(query_id, values)``)."""
    params = [
        {"qid": qid, **{f"v_{n}": v for n, v in zip(ATTRIBUTION_COLUMNS, values, strict=True)}} for qid, values in changes
    ]
    if not params:
        return 0
    stmt = (
        update(queries)
        .where(queries.c.source == source, queries.c.query_id == bindparam("qid"))
        .values({name: bindparam(f"v_{name}") for name in ATTRIBUTION_COLUMNS})
    )
    for start in range(0, len(params), 5000):
        conn.execute(stmt, params[start : start + 5000])
    return len(params)


def attribution_values(a: Attribution, run_id: str | None) -> tuple[Any, ...]:
    return (str(a.asset) if a.asset else None, a.owner, a.team, a.rule, a.reason, run_id)


def stored_attribution(values: Sequence[Any]) -> Attribution | None:
    asset, owner, team, rule, reason = values[:5]
    if rule is None:
        return None
    return Attribution(AssetKey.from_stored(asset) if asset else None, owner, team, rule, reason or "")


# ── fingerprints written by ingestion ─────────────────────────────────────────────────────────────────
# The bulk counterparts of FingerprintRepository.upsert_many / touch_many, for history volumes:
# one executemany per batch instead of a statement per fingerprint.

_FP_COLUMNS = (
    "fingerprint", "dialect", "sample_sql", "statement_type", "sources", "targets", "column_lineage",
    "parse_error", "parse_ms", "first_seen", "last_seen", "occurrences",
)


def write_fingerprints(conn: Connection, entries: Sequence[FingerprintEntry], counts: Mapping[str, int], now: datetime) -> int:
    """Insert newly parsed fingerprints (a stored parse is never overwritten)."""
    rows = [
        (
            e.fingerprint, e.dialect, e.sample_sql, e.statement_type, sorted(e.lineage.sources),
            sorted(e.lineage.targets), [list(p) for p in sorted(e.lineage.column_lineage)], e.lineage.error,
            e.parse_ms, now, now, counts.get(e.fingerprint, 1),
        )
        for e in entries
    ]
    return write_rows(conn, fingerprints, _FP_COLUMNS, rows, conflict=("fingerprint",), update=())


def bump_fingerprints(conn: Connection, counts: Mapping[str, int], now: datetime) -> None:
    """Add occurrences to stored fingerprints and move their ``last_seen`` forward."""
    if not counts:
        return
    c = fingerprints.c
    stmt = (
        update(fingerprints)
        .where(c.fingerprint == bindparam("fp"))
        .values(
            occurrences=c.occurrences + bindparam("n"),
            last_seen=case((or_(c.last_seen.is_(None), c.last_seen < bindparam("t")), bindparam("t")), else_=c.last_seen),
        )
    )
    params = [{"fp": fp, "n": n, "t": now} for fp, n in counts.items()]
    for start in range(0, len(params), 5000):
        conn.execute(stmt, params[start : start + 5000])


_EMPTY_LIST = RawJson("[]")
_EMPTY_OBJECT = RawJson("{}")


def register_tables(conn: Connection, keys: Iterable[AssetKey], source: str, now: datetime) -> int:
    """Add tables seen written in query history to the catalog, as plain ``table`` assets.

    Assets already in the catalog are left exactly as they are (whoever described them knows more).
    """
    rows = [
        (str(k), k.platform, k.name, k.short_name, "table", _EMPTY_LIST, source, _EMPTY_OBJECT, now, now)
        for k in keys
    ]
    return write_rows(
        conn, assets, ("key", "platform", "name", "short_name", "kind", "tags", "source", "meta", "first_seen", "updated_at"),
        rows, conflict=("key",), update=(),
    )
