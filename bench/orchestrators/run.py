"""Ingest timings for orchestrator artifacts at scale: a 2,000-model dbt manifest and 100,000 Airflow
task instances, into SQLite (and PostgreSQL with ``--pg URL``), first ingest and re-ingest.

    .venv/bin/python -m bench.orchestrators.run [--models 2000] [--task-instances 100000] [--pg URL]

Prints, for the same input, the peer figure: dbt-artifacts-parser (the typed pydantic parser many
tools use) reading the same manifest, as the cost of *only parsing* it.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from bench.orchestrators.generate import airflow_export, dbt_artifacts
from collectors.airflow import AirflowCollector, AirflowConfig
from collectors.dbt import DbtConfig, ingest_dbt
from observer.config import Settings
from observer.plugins import RunContext
from observer.store import open_store

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn()
    took = time.perf_counter() - start
    print(f"  {label:<44} {took:8.2f} s")
    return out, took


def bench_store(url: str, work: Path, label: str) -> None:
    print(f"[{label}]")
    store = open_store(url)
    for column_lineage in (True, False):
        if not column_lineage:
            store.dispose()
            store = open_store(url.replace("bench.db", "bench-nocl.db")) if url.startswith("sqlite") else store
        cfg = DbtConfig(manifest=work / "dbt" / "manifest.json", catalog=work / "dbt" / "catalog.json",
                        run_results=[str(work / "dbt" / "run_results.json")], column_lineage=column_lineage,
                        warehouse_user="DBT_PROD")
        tag = "with column lineage" if column_lineage else "table lineage only"
        src = "dbt" if column_lineage else "dbt-nocl"
        report, _ = timed(f"dbt 2,000 models, first ingest ({tag})", lambda store=store, cfg=cfg, src=src: ingest_dbt(store, cfg, src, work, NOW))
        print(f"    rows written {report.rows_written:,}; column edges {report.details['column_edges']:,};"
              f" unparsed {report.details['column_lineage_errors']}")
        again, _ = timed(f"dbt re-ingest ({tag})", lambda store=store, cfg=cfg, src=src: ingest_dbt(store, cfg, src, work, NOW))
        print(f"    rows written {again.rows_written:,}")
    ctx = RunContext(store, Settings(base_dir=work), NOW)
    collector = AirflowCollector(AirflowConfig(export_dir=work / "airflow"), "airflow")
    report, _ = timed("airflow 100,000 task instances, first ingest", lambda: collector.collect(ctx))
    print(f"    rows written {report.rows_written:,}")
    again, _ = timed("airflow re-ingest", lambda: collector.collect(ctx))
    print(f"    rows written {again.rows_written:,}")
    store.dispose()


def peer(work: Path) -> None:
    print("[peer: dbt-artifacts-parser, parse only]")
    try:
        from dbt_artifacts_parser.parser import parse_manifest
    except ImportError:
        print("  dbt-artifacts-parser not installed")
        return
    import json

    data = json.loads((work / "dbt" / "manifest.json").read_text())
    try:
        timed("parse_manifest (pydantic v12 models)", lambda: parse_manifest(data))
    except Exception as exc:  # noqa: BLE001 - the peer may reject the synthetic subset of fields
        print(f"  parse_manifest failed: {type(exc).__name__}: {str(exc)[:200]}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", type=int, default=2000)
    ap.add_argument("--task-instances", type=int, default=100_000)
    ap.add_argument("--pg", help="PostgreSQL URL (a fresh database is created in it)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        timed("generate inputs", lambda: (dbt_artifacts(work / "dbt", args.models),
                                          airflow_export(work / "airflow", args.task_instances)))
        bench_store(f"sqlite:///{work / 'bench.db'}", work, "SQLite")
        if args.pg:
            from sqlalchemy import create_engine, text

            from observer.store.engine import normalize_url

            name = f"bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(normalize_url(args.pg), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                bench_store(f"{args.pg.rsplit('/', 1)[0]}/{name}", work, "PostgreSQL")
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        peer(work)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:,.0f} MB")


if __name__ == "__main__":
    main()
