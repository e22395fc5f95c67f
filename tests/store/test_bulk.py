"""Bulk writes: rows built already encoded for the backend store exactly what plain rows store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from observer.model import QueryRecord
from observer.store import Store
from observer.store.bulk import RawJson, encode_json, time_encoder
from observer.store.costs import LINE_COLUMNS, line_row, replace_cost_lines
from observer.store.queries import query_row, write_queries
from observer.store.tables import cost_lines, queries

START = datetime(2026, 10, 3, 14, 5, 6, 789012, tzinfo=UTC)


def _record(i: int) -> QueryRecord:
    return QueryRecord(
        "sf", f"q{i}", "snowflake", "select id from t", START + timedelta(seconds=i), START + timedelta(seconds=i, milliseconds=250),
        user_name="ANA", warehouse="WH", execution_ms=250.0,
    )


def _stored(store: Store, table, order):  # type: ignore[no-untyped-def]
    with store.read() as conn:
        return [tuple(r) for r in conn.execute(select(table).order_by(*order))]


def test_encoded_query_rows_store_the_same_values(store: Store) -> None:
    meta = encode_json({"tool": "dbt", "node_id": "model.shop.orders"})
    who = ("snowflake://db.s.orders", "ana", "data", "dbt", "dbt comment", None)
    encode = time_encoder(store.engine.dialect.name)
    plain = [query_row(_record(i), f"fp{i}", meta if i % 2 else None, who) for i in range(3)]
    encoded = [query_row(_record(i + 3), f"fp{i + 3}", meta if i % 2 else None, who, encode_time=encode) for i in range(3)]
    assert encoded[0][15] != _record(3).start_time  # really encoded: not the datetime itself
    with store.transaction() as conn:
        assert write_queries(conn, plain) == 3
        assert write_queries(conn, encoded, encoded=True) == 3
        # the same rows again change nothing, whichever way they come
        assert write_queries(conn, encoded, encoded=True) == 0
        assert write_queries(conn, [query_row(_record(i), f"fp{i}", meta if i % 2 else None, who, encode_time=encode) for i in range(3)], encoded=True) == 0
    rows = _stored(store, queries, [queries.c.query_id])
    by_id = {r[2]: r for r in rows}  # id, source, query_id, …
    for i in range(3):
        a, b = by_id[f"q{i}"], by_id[f"q{i + 3}"]
        # the encoded row reads back as the same aware datetimes and JSON as the plain one
        assert b[16] - a[16] == timedelta(seconds=3) and b[16].tzinfo is not None
        assert (a[29], b[29]) == ((None, None) if i % 2 == 0 else ({"tool": "dbt", "node_id": "model.shop.orders"},) * 2)


def test_encoded_cost_lines_store_the_same_values(store: Store) -> None:
    hour = datetime(2026, 10, 3, 14, tzinfo=UTC)
    encode = time_encoder(store.engine.dialect.name)
    line = line_row("sf", "WH", hour, 0.5, 1.5, "compute", "q1", None, "ANA", "fp1")
    encoded = (*line[:2], encode(line[2]), *line[3:])
    with store.transaction() as conn:
        replace_cost_lines(conn, "sf", hour, hour + timedelta(hours=1), [line])
    first = _stored(store, cost_lines, [cost_lines.c.id])
    with store.transaction() as conn:
        replace_cost_lines(conn, "sf", hour, hour + timedelta(hours=1), [encoded], encoded=True)
    again = _stored(store, cost_lines, [cost_lines.c.id])
    assert len(first) == len(again) == 1
    assert first[0][1:] == again[0][1:]  # all but the row id
    assert again[0][1 + LINE_COLUMNS.index("hour")] == hour


def test_raw_json_passes_through_unchanged() -> None:
    assert isinstance(encode_json({"b": 1, "a": 2}), RawJson)
    assert encode_json({"b": 1, "a": 2}) == '{"a":2,"b":1}'
