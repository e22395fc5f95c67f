"""Redshift: the live SYS_QUERY_HISTORY statement run on a real PostgreSQL holding a table in the
view's exact layout (``pg_user`` is PostgreSQL's own), and the same rows as an UNLOAD-style export."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select

from collectors.redshift import RedshiftCollector, RedshiftConfig, ingest_redshift_exports
from observer.config import Settings
from observer.model import Person, Team
from observer.plugins import RunContext
from observer.store import Store
from observer.store.ownership import sync_teams, upsert_people
from observer.store.tables import cost_lines, queries

NOW = datetime(2026, 3, 3, tzinfo=UTC)
SETTINGS = Settings(pricing={"compute_hour_usd": {"redshift": 3.26}})
VIEW = """
CREATE TABLE sys_query_history (
  user_id integer, query_id bigint, query_label character(320), transaction_id bigint, session_id integer,
  database_name character(128), query_type character(32), status character(10), result_cache_hit boolean,
  start_time timestamp, end_time timestamp, elapsed_time bigint, queue_time bigint, execution_time bigint,
  error_message character(512), returned_rows bigint, returned_bytes bigint, query_text character(4000),
  redshift_version character(256), usage_limit character(150), compute_type character(32), compile_time bigint,
  planning_time bigint, lock_wait_time bigint
)
"""


@pytest.fixture
def redshift(fresh_pg_url: str) -> Iterator[tuple[str, dict[str, str]]]:
    """A database with sys_query_history rows by two fresh users; yields (url, {role: user name})."""
    names = {"etl": f"etl_{uuid.uuid4().hex[:6]}", "analyst": f"ana_{uuid.uuid4().hex[:6]}"}
    with psycopg.connect(fresh_pg_url, autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'CREATE ROLE "{name}" LOGIN')
        ids = {k: conn.execute("SELECT usesysid FROM pg_user WHERE usename = %s", (v,)).fetchone()[0] for k, v in names.items()}  # type: ignore[index]
        conn.execute(VIEW)
        rows = [
            (ids["etl"], 101, "daily_sales_load", 9001, 1, "analytics", "INSERT", "success", False,
             "2026-03-02 09:00:00", "2026-03-02 09:40:00", 40 * 60_000_000, 60_000_000, 39 * 60_000_000, None, 0,
             "INSERT INTO daily_sales SELECT day, SUM(amount) FROM orders GROUP BY day", 0),
            (ids["analyst"], 102, "default", 9002, 2, "analytics", "SELECT", "success", False,
             "2026-03-02 09:10:00", "2026-03-02 09:30:00", 20 * 60_000_000, 0, 20 * 60_000_000, None, 31,
             "SELECT * FROM public.daily_sales WHERE day > '2026-02-01'", 5_000_000),
            (ids["analyst"], 103, "default", 9003, 2, "analytics", "SELECT", "running", False,
             "2026-03-02 09:50:00", "2026-03-02 09:50:00", 0, 0, 0, None, 0, "SELECT pg_sleep(100)", 0),
            (ids["analyst"], 104, "default", 9004, 2, "analytics", "SELECT", "failed", False,
             "2026-03-02 10:05:00", "2026-03-02 10:05:01", 1_000_000, 0, 1_000_000, "relation \"nope\" does not exist", 0,
             "SELECT * FROM nope", 0),
        ]
        conn.cursor().executemany(
            "INSERT INTO sys_query_history (user_id, query_id, query_label, transaction_id, session_id, database_name, "
            "query_type, status, result_cache_hit, start_time, end_time, elapsed_time, queue_time, execution_time, "
            "error_message, returned_rows, query_text, compile_time) VALUES "
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )
    try:
        yield fresh_pg_url, names
    finally:
        with psycopg.connect(fresh_pg_url, autocommit=True) as conn:
            conn.execute("DROP TABLE sys_query_history")
            for name in names.values():
                conn.execute(f'DROP ROLE "{name}"')


def check(store: Store, names: dict[str, str]) -> None:
    with store.read() as conn:
        rows = {r.query_id: r for r in conn.execute(select(queries))}
        total = conn.execute(select(func.sum(cost_lines.c.cost_usd))).scalar()
    assert set(rows) == {"101", "102", "104"}  # the running statement waits for the next run
    assert (rows["101"].user_name, rows["101"].attribution_rule, rows["101"].asset_key, rows["101"].team) == (
        names["etl"], "write_target", "redshift://analytics.public.daily_sales", None,
    )
    assert (rows["102"].attribution_rule, rows["102"].team) == ("reader_team", "bi")
    assert rows["101"].text.endswith("GROUP BY day")  # character(4000) padding stripped
    assert rows["101"].queued_ms == 60_000 and rows["101"].execution_ms == 39 * 60_000
    assert rows["104"].status == "failed" and "does not exist" in rows["104"].error_message
    assert total == pytest.approx(3.26 * 2)  # the cluster was up 09:00–10:05: two compute-hours


@pytest.fixture
def bi(store: Store, redshift: tuple[str, dict[str, str]]) -> Store:
    with store.transaction() as conn:
        sync_teams(conn, [Team("bi")])
        upsert_people(conn, [Person(redshift[1]["analyst"], team="bi")])
    return store


def test_live_statement_on_postgres(bi: Store, redshift: tuple[str, dict[str, str]]) -> None:
    url, names = redshift
    config = RedshiftConfig(url=url, cluster="acme-prod", initial_days=7)  # type: ignore[arg-type]
    collector = RedshiftCollector(config, "rs")
    report = collector.collect(RunContext(bi, SETTINGS, NOW))
    assert (report.rows_read, report.rows_bad) == (3, 0)
    check(bi, names)
    assert collector.collect(RunContext(bi, SETTINGS, NOW)).rows_written == 0


def test_unloaded_history_reads_the_same(bi: Store, redshift: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    url, names = redshift
    export = tmp_path / "sys_query_history.csv"
    with psycopg.connect(url) as conn, conn.cursor().copy(
        "COPY (SELECT q.*, u.usename AS user_name FROM sys_query_history q LEFT JOIN pg_user u ON u.usesysid = q.user_id) "
        "TO STDOUT WITH (FORMAT csv, HEADER true)"
    ) as copy:
        export.write_bytes(b"".join(bytes(chunk) for chunk in copy))
    config = RedshiftConfig(query_history=[str(export)], cluster="acme-prod")
    report = ingest_redshift_exports(bi, SETTINGS, config, source="rs", files=[export], now=NOW)
    assert report.rows_bad == 0
    check(bi, names)
