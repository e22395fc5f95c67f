"""Freshness + volume over 10,000 tables: one scheduled check run, timed, on PostgreSQL and DuckDB.

    .venv/bin/python -m bench.checks.scale [--tables 10000] [--days 30] [--only postgres|duckdb]

Setup (not timed): a warehouse with N tables of 50–150 rows each, and a store holding D days of
daily row-count history per table, already judged — the state a store is in after D days of
scheduled runs. A day's loads then land in a third of the tables (and one table gets a volume drop),
and one run of the ``freshness`` and ``volume`` checks (metadata mode: catalog row counts, no table
scans) is timed: catalog read, history read, cadence learning, anomaly model, result and band writes.
PostgreSQL: the warehouse is a database on the test server (``scripts/pg``) and the store is another
database there. DuckDB: a DuckDB file, the store is SQLite (the embedded default).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
from sqlalchemy import create_engine, text

from observer.checking import run_checks
from observer.config import Settings
from observer.model import AssetKey, CheckStatus
from observer.store import open_store
from observer.store.engine import normalize_url
from observer.store.tables import metric_points

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
CHECKS = [
    {"type": "freshness", "name": "freshness", "assets": "*.bench.*"},
    {"type": "volume", "name": "volume", "assets": "*.bench.*"},
]


def rows_of(i: int) -> int:
    return 50 + (i * 37) % 100


def seed_history(store_url: str, platform: str, catalog: str, tables: int, days: int) -> None:
    """D days of judged daily row counts per table, ending yesterday at the current count, and the
    model terms chosen within the last week (what daily scheduled runs leave behind)."""
    store = open_store(store_url)
    rows = []
    for i in range(tables):
        key = str(AssetKey.of(platform, f"{catalog}.bench.t{i}"))
        daily = 5 + i % 7
        for d in range(days, 0, -1):
            ts = NOW - timedelta(days=d)
            count = float(rows_of(i) - daily * (d - 1))
            rows.append(
                {"asset_key": key, "metric": "row_count", "ts": ts, "value": count, "source": "bench"}
            )
            if (
                d == 1 + i % 7
            ):  # terms chosen at some point of the last week, as a weekly re-selection leaves them
                rows.append(
                    {
                        "asset_key": key,
                        "metric": "rows_added_model",
                        "ts": ts,
                        "value": 0.0,
                        "source": "bench",
                    }
                )
            if d < days:
                for suffix, value in (
                    ("_expected_low", daily * 0.5),
                    ("_expected_high", daily * 1.5),
                    ("_anomaly", 0.0),
                ):
                    rows.append(
                        {
                            "asset_key": key,
                            "metric": "rows_added" + suffix,
                            "ts": ts,
                            "value": value,
                            "source": "bench",
                        }
                    )
    with store.transaction() as conn:
        for start in range(0, len(rows), 20000):
            conn.execute(metric_points.insert(), rows[start : start + 20000])
    store.dispose()


def timed_run(settings: Settings, store_url: str, tables: int) -> dict[str, float]:
    """Freshness judges every table; volume judges the tables that changed since the last run."""
    store = open_store(store_url)
    out: dict[str, float] = {}
    for check in ("freshness", "volume"):
        start = time.perf_counter()
        run = run_checks(settings, store, NOW, only=[check])
        out[check] = time.perf_counter() - start
        statuses = {s.value: sum(1 for r in run.results if r.status == s) for s in CheckStatus}
        print(
            f"  {check:<9} {len(run.results):>6} results in {out[check]:6.1f} s  {statuses}  errors={run.errors}"
        )
        expected = tables if check == "freshness" else len(range(0, tables, 3))
        assert len(run.results) == expected, f"{check}: {len(run.results)} results, expected {expected}"
    store.dispose()
    return out


def bench_postgres(tables: int, days: int) -> dict[str, float]:
    import subprocess

    base = subprocess.run(["scripts/pg"], check=True, capture_output=True, text=True).stdout.strip()
    admin = create_engine(normalize_url(base), isolation_level="AUTOCOMMIT")
    wh_db, store_db = f"bench_wh_{uuid.uuid4().hex[:8]}", f"bench_store_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{wh_db}"'))
        conn.execute(text(f'CREATE DATABASE "{store_db}"'))
    root = base.rsplit("/", 1)[0]
    wh_url, store_url = f"{root}/{wh_db}", f"{root}/{store_db}"
    try:
        t0 = time.perf_counter()
        wh = create_engine(normalize_url(wh_url))
        with wh.begin() as conn:
            conn.execute(text("CREATE SCHEMA bench"))
            conn.execute(
                text(
                    "DO $$ BEGIN FOR i IN 0.." + str(tables - 1) + " LOOP "
                    "EXECUTE format('CREATE TABLE bench.t%s (id int)', i); "
                    "EXECUTE format('INSERT INTO bench.t%s SELECT generate_series(1, %s)', i, 50 + (i * 37) % 100); "
                    "END LOOP; END $$"
                )
            )
        with wh.connect() as conn:
            conn.execute(text("ANALYZE"))
        seed_history(store_url, "postgres", wh_db, tables, days)
        # the day's loads: a third of the tables grow, t1 gets far less than usual
        with wh.begin() as conn:
            conn.execute(
                text(
                    "DO $$ BEGIN FOR i IN 0.." + str(tables - 1) + " BY 3 LOOP "
                    "EXECUTE format('INSERT INTO bench.t%s SELECT generate_series(1, %s)', i, "
                    "CASE WHEN i = 3 THEN 1 ELSE 5 + i % 7 END); END LOOP; END $$"
                )
            )
        wh.dispose()
        time.sleep(1.5)  # let the statistics collector publish n_live_tup / n_tup_ins
        print(f"postgres: setup {time.perf_counter() - t0:.0f} s ({tables:,} tables, {days} days of history)")
        settings = Settings(
            store=store_url, sources=[{"type": "postgres", "name": "wh", "url": wh_url}], checks=CHECKS
        )
        return timed_run(settings, store_url, tables)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{wh_db}" WITH (FORCE)'))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{store_db}" WITH (FORCE)'))
        admin.dispose()


def bench_duckdb(tables: int, days: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        path = Path(tmp) / "wh.duckdb"
        con = duckdb.connect(str(path))
        con.execute("CREATE SCHEMA bench")
        con.execute("BEGIN")
        for i in range(tables):
            con.execute(f"CREATE TABLE bench.t{i} AS SELECT range AS id FROM range({rows_of(i)})")  # noqa: S608
        con.execute("COMMIT")
        store_url = f"sqlite:///{Path(tmp) / 'observer.db'}"
        seed_history(store_url, "duckdb", "wh", tables, days)
        con.execute("BEGIN")
        for i in range(0, tables, 3):
            con.execute(f"INSERT INTO bench.t{i} SELECT range FROM range({1 if i == 3 else 5 + i % 7})")  # noqa: S608
        con.execute("COMMIT")
        con.close()
        print(f"duckdb: setup {time.perf_counter() - t0:.0f} s ({tables:,} tables, {days} days of history)")
        settings = Settings(
            store=store_url, sources=[{"type": "duckdb", "name": "wh", "path": str(path)}], checks=CHECKS
        )
        return timed_run(settings, store_url, tables)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--only", choices=["postgres", "duckdb"])
    args = parser.parse_args()
    for name, fn in (("postgres", bench_postgres), ("duckdb", bench_duckdb)):
        if args.only and args.only != name:
            continue
        times = fn(args.tables, args.days)
        total = sum(times.values())
        print(f"{name}: freshness + volume over {args.tables:,} tables: {total:.1f} s (target < 30 s)")


if __name__ == "__main__":
    main()
