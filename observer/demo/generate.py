"""``generate_demo``: write the whole Larkspur Goods company into a folder.

Pure apart from writing files: no clock, no network, no environment. The same ``(as_of, seed)``
writes byte-identical text files (and a DuckDB file with identical contents). Layout::

    observer.yaml
    analytics.duckdb                      the warehouse (stands in for Snowflake's ANALYTICS database)
    schema_snapshots/<date>.json          information_schema.columns two days ago and now
    snowflake/query_history.csv.gz        ACCOUNT_USAGE.QUERY_HISTORY export
    snowflake/warehouse_metering_history.csv.gz
    snowflake/query_attribution_history.csv.gz
    dbt/target/{manifest,run_results,catalog}.json
    dbt/runs/<invocation_id>/run_results.json
    airflow/{dags,dag_runs,task_instances}.json
    openlineage/events.jsonl
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from observer.demo import airflow_export, dbt_artifacts, openlineage_events
from observer.demo.bi_queries import BiSimulator
from observer.demo.company import INCIDENTS, Incidents
from observer.demo.data_tests import TESTS
from observer.demo.dbt_runs import DbtSimulator
from observer.demo.demo_config import render_config
from observer.demo.files import write_gzip_lines, write_json, write_jsonl, write_text
from observer.demo.load_plan import build_load_plan
from observer.demo.loaders import LoaderSimulator
from observer.demo.metering import meter, monthly_credits
from observer.demo.query_history import attribution_rows, metering_rows, query_history_rows
from observer.demo.timeline import Timeline, build_timeline
from observer.demo.warehouse import WAREHOUSE_FILE, build_warehouse

GENERATED_DIRS = ("snowflake", "dbt", "airflow", "openlineage", "schema_snapshots")


@dataclass(frozen=True)
class DemoManifest:
    """What ``generate_demo`` wrote, with the figures and names the demo's story hangs on."""

    folder: Path
    as_of: datetime
    seed: int
    timeline: Timeline
    files: tuple[str, ...]  # paths relative to ``folder``, sorted
    warehouse_rows: dict[str, int]  # "schema.table" -> rows (base tables)
    queries: int
    dbt_invocations: int
    dag_runs: int
    openlineage_events: int
    monthly_credits: dict[str, float]  # "YYYY-MM" -> credits (compute + cloud services)
    incidents: Incidents = INCIDENTS

    def path(self, relative: str) -> Path:
        return self.folder / relative


def _warehouse_facts(path: Path) -> tuple[dict[str, list[tuple[str, str]]], dict[str, str], dict[str, int]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for schema, table, column, kind in con.execute(
            "select table_schema, table_name, column_name, data_type from information_schema.columns "
            "where table_catalog = 'analytics' order by table_schema, table_name, ordinal_position"
        ).fetchall():
            columns[f"{schema}.{table}"].append((column, kind))
        kinds = {f"{s}.{t}": k for s, t, k in con.execute(
            "select table_schema, table_name, table_type from information_schema.tables where table_catalog = 'analytics'"
        ).fetchall()}
        failures: dict[str, int] = {}
        for test in TESTS:
            try:
                row = con.execute(f"select count(*) from ({test.compiled()}) as t").fetchone()
                failures[test.unique_id] = int(row[0]) if row else 0
            except duckdb.Error:  # a test on a broken view: dbt skips it in the run that matters
                failures[test.unique_id] = 0
    finally:
        con.close()
    return dict(columns), kinds, failures


def _before_rename(columns: dict[str, list[tuple[str, str]]]) -> dict[str, list[tuple[str, str]]]:
    """The columns as they were before the upstream rename."""
    old, new = INCIDENTS.schema_change_old_column, INCIDENTS.schema_change_new_column
    out = dict(columns)
    key = INCIDENTS.schema_change_table.split(".", 1)[1]
    out[key] = [(old if c == new else c, t) for c, t in columns[key]]
    return out


def _snapshot(captured: datetime, columns: dict[str, list[tuple[str, str]]], kinds: dict[str, str]) -> dict[str, Any]:
    tables = []
    for key in sorted(columns):
        schema, name = key.split(".")
        tables.append({"schema": schema, "name": name, "type": kinds.get(key, "BASE TABLE"),
                       "columns": [{"name": c, "type": t, "ordinal": i + 1} for i, (c, t) in enumerate(columns[key])]})
    return {"captured_at": captured.strftime("%Y-%m-%dT%H:%M:%SZ"), "database": "analytics",
            "source": "information_schema.columns", "tables": tables}


def generate_demo(folder: Path, as_of: datetime, seed: int = 7) -> DemoManifest:
    """Write the Larkspur Goods demo company into ``folder`` (created if needed) and describe it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in GENERATED_DIRS:
        shutil.rmtree(folder / name, ignore_errors=True)
    timeline = build_timeline(as_of)
    plan = build_load_plan(timeline, seed)
    build = build_warehouse(folder, timeline, plan)
    columns, kinds, failures = _warehouse_facts(build.path)
    names = {k: [c for c, _ in v] for k, v in columns.items()}
    written: list[Path] = [build.path]

    dbt_queries, invocations = DbtSimulator(timeline, seed, build.row_counts, failures, names).run()
    load_queries, dag_runs = LoaderSimulator(timeline, seed, plan, build.load_counts, names).run()
    bi_queries = BiSimulator(timeline, seed, build.row_counts).run()
    queries = sorted([*dbt_queries, *load_queries, *bi_queries], key=lambda q: (q.start, q.query_id))

    naive_incident = timeline.spend_incident_start.replace(tzinfo=None)
    sizes = {"REPORTING": [(datetime(1970, 1, 1), INCIDENTS.resized_from), (naive_incident, INCIDENTS.resized_to)]}
    metering, per_query = meter(queries, sizes)
    snow = folder / "snowflake"
    written.append(write_gzip_lines(snow / "query_history.csv.gz", query_history_rows(queries)))
    written.append(write_gzip_lines(snow / "warehouse_metering_history.csv.gz", metering_rows(metering)))
    written.append(write_gzip_lines(snow / "query_attribution_history.csv.gz", attribution_rows(queries, per_query)))

    last = invocations[-1]
    target = folder / "dbt" / "target"
    written.append(write_json(target / "manifest.json", dbt_artifacts.build_manifest(timeline, last)))
    written.append(write_json(target / "run_results.json", dbt_artifacts.build_run_results(last)))
    docs_run = max((i for i in invocations
                    if i.command == "build" and i.started_at < timeline.schema_change_at.replace(tzinfo=None)),
                   key=lambda i: i.started_at)
    docs_at = docs_run.finished_at + timedelta(seconds=95)
    modified = {k: docs_run.finished_at for k in columns}
    written.append(write_json(target / "catalog.json", dbt_artifacts.build_catalog(
        docs_at, docs_run.invocation_id, _before_rename(columns), kinds, build.row_counts, modified)))
    for inv in invocations:
        written.append(write_json(folder / "dbt" / "runs" / inv.invocation_id / "run_results.json",
                                  dbt_artifacts.build_run_results(inv), indent=None))

    air = folder / "airflow"
    start = timeline.history_start.replace(tzinfo=None)
    written.append(write_json(air / "dags.json", airflow_export.dags_response(timeline.as_of.replace(tzinfo=None), start)))
    written.append(write_json(air / "dag_runs.json", airflow_export.dag_runs_response(dag_runs, start), indent=None))
    written.append(write_json(air / "task_instances.json", airflow_export.task_instances_response(dag_runs, start),
                              indent=None))

    web_rows = {at: n for (table, at), n in build.load_counts.items() if table == "web_events"}
    events = openlineage_events.build_events(dag_runs, build.row_counts.get("marts.customer_churn_scores", 0), web_rows)
    written.append(write_jsonl(folder / "openlineage" / "events.jsonl", events))

    earlier = (timeline.schema_change_at - timedelta(days=1)).replace(hour=6, minute=0, tzinfo=None)
    now = timeline.as_of.replace(tzinfo=None)
    written.append(write_json(folder / "schema_snapshots" / f"{earlier:%Y-%m-%d}.json",
                              _snapshot(earlier, _before_rename(columns), kinds)))
    written.append(write_json(folder / "schema_snapshots" / f"{now:%Y-%m-%d}.json", _snapshot(now, columns, kinds)))
    written.append(write_text(folder / "observer.yaml", render_config()))

    return DemoManifest(
        folder=folder, as_of=timeline.as_of, seed=seed, timeline=timeline,
        files=tuple(sorted(str(p.relative_to(folder)) for p in written)),
        warehouse_rows=build.row_counts, queries=len(queries), dbt_invocations=len(invocations),
        dag_runs=len(dag_runs), openlineage_events=len(events), monthly_credits=monthly_credits(metering),
    )


__all__ = ["WAREHOUSE_FILE", "DemoManifest", "generate_demo"]
