"""Lineage benchmark: accuracy and throughput on the labelled corpus, Observer and its peers, one run.

    .venv/bin/python bench/lineage/run.py [--passes 3] [--no-peers] [--failures] [--history-rows N]

1. Observer reads every case of ``corpus/*.sql`` (table + column lineage); accuracy is scored
   per case (sources and targets exact; column pairs exact, over the cases that have any) and
   throughput is unique statements per second over ``--passes`` passes (no cache: every call parses).
2. The peers — sqllineage and openlineage-sql — run the same cases in their own virtualenv
   (``bench/lineage/setup`` builds it once and caches it), scored by the same code.
3. With ``--history-rows``, the history benchmark (``history.py``) runs too.

Figures are printed and written to ``bench/lineage/out/results.json``. Statements/s are given per
CPU-second of the process doing the work (``process_time``), which is what a loaded machine
distorts least, and per wall-clock second.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import Score, load_corpus  # noqa: E402

from observer.lineage import extract_lineage  # noqa: E402


def observer_figures(passes: int) -> dict:  # type: ignore[type-arg]
    cases = load_corpus()
    score = Score()
    for case in cases:
        r = extract_lineage(case.sql, case.dialect, case.schema)
        score.add(case, set(r.sources), set(r.targets), set(r.column_lineage))
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(passes):
        for case in cases:
            extract_lineage(case.sql, case.dialect, case.schema)
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    n = len(cases) * passes
    return {**score.as_dict(), "errors": 0, "statements_per_s_cpu": n / cpu, "statements_per_s_wall": n / wall}


def peer_figures(passes: int) -> dict:  # type: ignore[type-arg]
    python = subprocess.run([str(HERE / "setup")], check=True, capture_output=True, text=True).stdout.strip()
    proc = subprocess.run(
        [python, str(HERE / "peers.py"), "--passes", str(passes)],
        check=True, capture_output=True, text=True, env={**os.environ, "RUST_BACKTRACE": "0"},
    )
    figures: dict = json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[type-arg]
    return figures


def _row(name: str, f: dict) -> str:  # type: ignore[type-arg]
    return (f"{name:<16} {f['table_accuracy']:>7.1%} {f['column_accuracy']:>8.1%} {f['pair_f1']:>8.3f} "
            f"{f['statements_per_s_cpu']:>12,.0f} {f['statements_per_s_wall']:>12,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passes", type=int, default=3, help="timed passes over the corpus for Observer")
    parser.add_argument("--peer-passes", type=int, default=1)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--failures", action="store_true", help="list the cases each tool gets wrong")
    parser.add_argument("--history-rows", type=int, default=0, help="also run the history benchmark")
    parser.add_argument("--history-workers", type=int, default=2)
    args = parser.parse_args()

    results = {"observer": observer_figures(args.passes)}
    if not args.no_peers:
        results.update(peer_figures(args.peer_passes))
    cases = results["observer"]["cases"]
    column_cases = results["observer"]["column_cases"]
    print(f"lineage corpus: {cases} statements, {column_cases} with column pairs")
    print(f"{'tool':<16} {'table':>7} {'column':>8} {'pair F1':>8} {'stmts/s cpu':>12} {'stmts/s wall':>12}")
    for name, figures in results.items():
        print(_row(name, figures))
    if "sqllineage" in results:
        ratio = results["observer"]["statements_per_s_cpu"] / max(results["sqllineage"]["statements_per_s_cpu"], 1e-9)
        results["observer"]["speedup_vs_sqllineage"] = ratio
        print(f"observer is {ratio:,.0f}x sqllineage's throughput (cpu)")
    if args.failures:
        for name, figures in results.items():
            print(f"\n{name} gets {len(figures['failures'])} cases wrong:")
            for case_id in figures["failures"]:
                print(f"  {case_id}")
    if args.history_rows:
        from history import run as run_history

        results["history"] = run_history(args.history_rows, 20_000, 0.95, args.history_workers, 20_000, 7)
        h = results["history"]
        print(f"\nhistory: {h['rows']:,} rows, {h['distinct_fingerprints']:,} fingerprints, "
              f"{h['rows_per_s']:,.0f} rows/s measured, {h['rows_per_s_dedicated_cores']:,.0f} rows/s on dedicated "
              f"cores, {h['cpu_us_per_row']:.1f} µs CPU/row, peak RSS {h['peak_rss_mb_main']:.0f} MB main"
              + (f" / {h['peak_rss_mb_largest_worker']:.0f} MB largest worker" if h["peak_rss_mb_largest_worker"] else ""))
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
