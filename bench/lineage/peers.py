"""Run the open-source peers over the lineage corpus; prints one JSON object of figures per tool.

Runs inside the peers' own virtualenv (``bench/lineage/setup`` prints its python), where Observer
is not installed — it imports only the standard-library corpus loader next to it.

    $(bench/lineage/setup) bench/lineage/peers.py [--passes 1]

Each tool gets every case's SQL and dialect exactly as Observer does; its output is mapped to the
corpus's naming (lower-cased ``schema.table`` / ``table.column``) and scored by the same code.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import Case, Score, load_corpus  # noqa: E402

# sqllineage delegates to sqlfluff's dialect names.
SQLLINEAGE_DIALECTS = {
    None: "ansi", "snowflake": "snowflake", "bigquery": "bigquery", "postgres": "postgres",
    "redshift": "redshift", "duckdb": "duckdb", "databricks": "databricks", "spark": "sparksql",
    "hive": "hive", "mysql": "mysql", "tsql": "tsql", "trino": "trino",
}
# openlineage-sql (sqlparser-rs) dialect names.
OPENLINEAGE_DIALECTS = {
    None: "generic", "snowflake": "snowflake", "bigquery": "bigquery", "postgres": "postgres",
    "redshift": "redshift", "duckdb": "duckdb", "databricks": "databricks", "spark": "sparksql",
    "hive": "hive", "mysql": "mysql", "tsql": "mssql", "trino": "trino",
}


def _sqllineage(case: Case) -> tuple[set[str], set[str], set[tuple[str, str]]]:
    from sqllineage.runner import LineageRunner

    def name(table: object) -> str:
        return str(table).lower().replace("<default>.", "")

    runner = LineageRunner(case.sql, dialect=SQLLINEAGE_DIALECTS.get(case.dialect, "ansi"), silent_mode=True)
    sources = {name(t) for t in runner.source_tables}
    targets = {name(t) for t in runner.target_tables}
    pairs: set[tuple[str, str]] = set()
    for path in runner.get_column_lineage(exclude_subquery_columns=True):
        src, tgt = path[0], path[-1]
        if src.parent is None or tgt.parent is None:
            continue
        pairs.add((f"{name(src.parent)}.{src.raw_name.lower()}", f"{name(tgt.parent)}.{tgt.raw_name.lower()}"))
    return sources, targets, pairs


def _ol_name(meta: object) -> str:
    parts = [getattr(meta, "database", None), getattr(meta, "schema", None), getattr(meta, "name", None)]
    return ".".join(p for p in parts if p).lower()


def _openlineage(case: Case) -> tuple[set[str], set[str], set[tuple[str, str]]]:
    import openlineage_sql

    meta = openlineage_sql.parse([case.sql], dialect=OPENLINEAGE_DIALECTS.get(case.dialect, "generic"))
    sources = {_ol_name(t) for t in meta.in_tables}
    targets = {_ol_name(t) for t in meta.out_tables}
    pairs: set[tuple[str, str]] = set()
    # Column lineage names the query's output columns; with one written table they are its columns.
    if len(targets) == 1:
        target = next(iter(targets))
        for item in meta.column_lineage:
            for origin in item.lineage:
                if origin.origin is not None:
                    pairs.add((f"{_ol_name(origin.origin)}.{origin.name.lower()}", f"{target}.{item.descendant.name.lower()}"))
    return sources, targets, pairs


TOOLS = {"sqllineage": _sqllineage, "openlineage-sql": _openlineage}


def run_tool(name: str, cases: list[Case], passes: int) -> dict:  # type: ignore[type-arg]
    fn = TOOLS[name]
    score = Score()
    errors = 0
    elapsed_cpu = 0.0
    elapsed_wall = 0.0
    for p in range(passes):
        for case in cases:
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                sources, targets, pairs = fn(case)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException:  # noqa: BLE001 — a peer failing (even a Rust panic) scores as an empty answer
                sources, targets, pairs = set(), set(), set()
                errors += p == 0
            elapsed_cpu += time.process_time() - cpu
            elapsed_wall += time.perf_counter() - wall
            if p == 0:
                score.add(case, sources, targets, pairs)
    n = len(cases) * passes
    return {
        **score.as_dict(),
        "errors": errors,
        "statements_per_s_cpu": n / elapsed_cpu if elapsed_cpu else 0.0,
        "statements_per_s_wall": n / elapsed_wall if elapsed_wall else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passes", type=int, default=1)
    parser.add_argument("--tools", default=",".join(TOOLS))
    args = parser.parse_args()
    cases = load_corpus()
    print(json.dumps({name: run_tool(name, cases, args.passes) for name in args.tools.split(",")}))


if __name__ == "__main__":
    main()
