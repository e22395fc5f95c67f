"""The PostgreSQL collector against a real PostgreSQL 15 server running a real workload.

The server (``conftest.py``) logs every statement to csvlog and jsonlog; the workload creates and
loads a table as a dbt-like user with dbt's query comment, and queries it as an analyst — with and
without bound parameters (extended protocol), and once with an error.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from collectors.postgres import PostgresCollector, PostgresConfig
from observer.config import Settings
from observer.model import AssetKey, Person, Team
from observer.plugins import IngestReport, RunContext
from observer.store import Store
from observer.store.assets import get_asset
from observer.store.ownership import sync_teams, upsert_people
from observer.store.tables import cost_lines, queries
from tests.collectors.postgres.conftest import LoggingServer

SETTINGS = Settings(pricing={"compute_hour_usd": {"postgres": 2.0}})
DBT_COMMENT = '/* {"app": "dbt", "dbt_version": "1.10.6", "node_id": "model.shop.orders"} */'


def workload(server: LoggingServer, tag: str, selects: int = 5) -> int:
    """Run the workload; returns how many statements it sent."""
    table = f"orders_{tag}"
    server.run(f"CREATE TABLE public.{table} (id int, amount numeric, region text)", user="dbt_prod")
    server.run(
        f"INSERT INTO public.{table} SELECT g, g * 1.5, CASE WHEN g % 2 = 0 THEN 'EU' ELSE 'US' END "  # noqa: S608
        f"FROM generate_series(1, 20000) g\n{DBT_COMMENT}",
        user="dbt_prod",
    )
    server.run(f"COMMENT ON TABLE public.{table} IS 'orders, one per row'", user="dbt_prod")
    for i in range(selects):
        if i % 2:
            server.run(f"SELECT region, sum(amount) FROM {table} WHERE id > %s GROUP BY region", user="alice", params=(i,))  # noqa: S608
        else:
            server.run(f"SELECT region, sum(amount) FROM {table} WHERE id > {i} GROUP BY region", user="alice")  # noqa: S608
    with pytest.raises(Exception, match="does not exist"):
        server.run(f"SELECT * FROM missing_{tag}", user="alice")  # noqa: S608
    server.run(f"SELECT 'done {tag}'", user="alice")
    server.wait_for_log(f"done {tag}")
    return 3 + selects + 1 + 1


def collect(store: Store, server: LoggingServer, **options: object) -> IngestReport:
    config = PostgresConfig(url=server.url("shop"), log_path=server.log_dir, server="shop-db", **options)  # type: ignore[arg-type]
    return PostgresCollector(config, "pg").collect(RunContext(store, SETTINGS, datetime.now(UTC)))


def rows_for(store: Store, tag: str) -> list[dict[str, object]]:
    with store.read() as conn:
        return [dict(r._mapping) for r in conn.execute(select(queries).where(queries.c.text.contains(tag)).order_by(queries.c.start_time))]


@pytest.fixture
def teams(store: Store) -> Store:
    with store.transaction() as conn:
        sync_teams(conn, [Team("analysts")])
        upsert_people(conn, [Person("alice", team="analysts")])
    return store


def test_log_history_is_attributed_and_costed_by_compute_hour(teams: Store, logging_server: LoggingServer) -> None:
    store, tag = teams, uuid.uuid4().hex[:8]
    workload(logging_server, tag)
    report = collect(store, logging_server)
    assert report.rows_bad == 0 and report.details["log_format"] == "csvlog"
    rows = rows_for(store, tag)
    by_user = [(r["user_name"], r["status"]) for r in rows]
    assert by_user.count(("alice", "success")) == 5 + 1
    assert by_user.count(("alice", "failed")) == 1
    table = f"postgres://shop.public.orders_{tag}"
    insert = next(r for r in rows if str(r["text"]).startswith("INSERT"))
    assert insert["user_name"] == "dbt_prod" and insert["execution_ms"] > 0  # type: ignore[operator]
    assert insert["comment_meta"]["node_id"] == "model.shop.orders"  # type: ignore[index]
    assert (insert["attribution_rule"], insert["asset_key"]) == ("write_target", table)
    reads = [r for r in rows if str(r["text"]).startswith("SELECT region")]
    assert len(reads) == 5
    assert {(r["attribution_rule"], r["team"], r["asset_key"]) for r in reads} == {("reader_team", "analysts", table)}
    failed = next(r for r in rows if r["status"] == "failed")
    assert "does not exist" in str(failed["error_message"])
    with store.read() as conn:
        first, last = conn.execute(select(func.min(queries.c.start_time), func.max(queries.c.end_time)).where(queries.c.source == "pg")).one()
        total = conn.execute(select(func.sum(cost_lines.c.cost_usd)).where(cost_lines.c.source == "pg")).scalar()
        asset = get_asset(conn, AssetKey("postgres", f"shop.public.orders_{tag}"))
    first, last = (first.replace(tzinfo=UTC) if first.tzinfo is None else first), (last.replace(tzinfo=UTC) if last.tzinfo is None else last)
    hours = int((last.replace(minute=0, second=0, microsecond=0) - first.replace(minute=0, second=0, microsecond=0)) / timedelta(hours=1)) + 1
    assert total == pytest.approx(2.0 * hours)  # every hour the server was up, at $2 an hour
    assert asset is not None and [c.name for c in asset.columns] == ["id", "amount", "region"]
    assert asset.description == "orders, one per row"


def test_rereading_reads_nothing_and_new_statements_are_picked_up(teams: Store, logging_server: LoggingServer) -> None:
    store = teams
    workload(logging_server, uuid.uuid4().hex[:8])
    collect(store, logging_server)
    again = collect(store, logging_server)
    assert (again.rows_read, again.rows_written) == (0, 0)
    sent = workload(logging_server, tag := uuid.uuid4().hex[:8], selects=2)
    more = collect(store, logging_server)
    assert more.rows_read == sent  # exactly the new statements, from where the last run stopped
    assert len(rows_for(store, tag)) == sent  # every statement of the workload names its tag


def test_jsonlog_reads_the_same_statements(teams: Store, logging_server: LoggingServer) -> None:
    tag = uuid.uuid4().hex[:8]
    workload(logging_server, tag)
    collect(teams, logging_server, log_format="jsonlog")
    rows = rows_for(teams, tag)
    assert sum(1 for r in rows if r["user_name"] == "alice") == 7
    assert any(r["status"] == "failed" for r in rows)


def test_pg_stat_statements_snapshots_are_diffed(sqlite_store: Store, logging_server: LoggingServer, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    workload(logging_server, tag, selects=1)
    config = PostgresConfig(url=logging_server.url("shop"), pg_stat_statements=True, server="shop-db")  # type: ignore[arg-type]
    collector = PostgresCollector(config, "pgss")
    collector.collect(RunContext(sqlite_store, SETTINGS, datetime.now(UTC)))
    for i in range(4):
        logging_server.run(f"SELECT count(*) FROM orders_{tag} WHERE amount > {i}", user="alice")  # noqa: S608
    collector.collect(RunContext(sqlite_store, SETTINGS, datetime.now(UTC) + timedelta(seconds=1)))
    with sqlite_store.read() as conn:
        rows = conn.execute(
            select(queries.c.query_id, queries.c.text, queries.c.user_name, queries.c.execution_ms)
            .where(queries.c.source == "pgss", queries.c.text.contains(f"orders_{tag} WHERE amount >"))
        ).all()
    # one interval row for the shape: four calls since the first snapshot, by alice
    assert len(rows) == 1 and rows[0].user_name == "alice" and rows[0].execution_ms > 0
    assert "$1" in rows[0].text  # pg_stat_statements normalizes the constant
