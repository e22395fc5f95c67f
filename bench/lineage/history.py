"""History throughput: fingerprint + comment/tag extraction + lineage for every row of a query history.

    .venv/bin/python bench/lineage/history.py [--rows 1000000] [--shapes 20000] [--repeat 0.95] [--workers 2]

The history (see ``history_gen.py``) is generated first and written to batch files in a temporary
directory; only the analysis is timed. Each worker process runs a
:class:`observer.sql.analysis.QueryAnalyzer` (its own LRU, no store) over the batches it is given —
as parallel ingestion workers would — so a shape seen by two workers is parsed by each. With
``--workers 1`` everything runs in this process.

Prints rows/s (measured wall clock, and the projection for a dedicated core per worker from the
busiest worker's CPU time — the machine this runs on is shared), CPU µs per row, distinct
fingerprints, parses, parse failures and peak RSS (this process and the largest worker).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import pickle
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from history_gen import generate_history  # noqa: E402

from observer.sql.analysis import QueryAnalyzer, QueryInput  # noqa: E402

_ANALYZER: QueryAnalyzer | None = None


def _analyze_batch(path: str) -> dict:  # type: ignore[type-arg]
    global _ANALYZER
    if _ANALYZER is None:
        _ANALYZER = QueryAnalyzer(cache_size=200_000)
    analyzer = _ANALYZER
    with open(path, "rb") as fh:
        rows = pickle.load(fh)
    cpu = time.process_time()
    before = analyzer.parsed
    results = analyzer.analyze_many(QueryInput(text, dialect, tag) for text, dialect, tag in rows)
    analyzer.new_entries()  # a real ingester upserts these; here they are only drained
    cpu = time.process_time() - cpu
    tools = Counter(r.tags.tool for r in results)
    return {
        "cpu_s": cpu,
        "rows": len(results),
        "parsed": analyzer.parsed - before,
        "fingerprints": {r.fingerprint for r in results},
        "with_targets": sum(1 for r in results if r.lineage.targets),
        "tools": dict(tools),
        "failures": dict(analyzer.failures_by_dialect),
        "pid": os.getpid(),
    }


def _peak_rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def run(rows: int, shapes: int, repeat: float, workers: int, batch: int, seed: int) -> dict:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory(prefix="observer-history-") as tmp:
        paths = []
        gen = generate_history(rows, shapes, repeat, seed)
        for i in range(0, rows, batch):
            chunk = [next(gen) for _ in range(min(batch, rows - i))]
            path = Path(tmp) / f"batch-{i // batch:05d}.pkl"
            path.write_bytes(pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL))
            paths.append(str(path))
        del gen

        started = time.perf_counter()
        cpu_started = time.process_time()
        if workers <= 1:
            outs = [_analyze_batch(p) for p in paths]
        else:
            with mp.get_context("fork").Pool(workers) as pool:
                outs = list(pool.imap_unordered(_analyze_batch, paths))
        wall = time.perf_counter() - started
        cpu_main = time.process_time() - cpu_started

    fingerprints: set[str] = set()
    tools: Counter[str | None] = Counter()
    failures: Counter[str] = Counter()
    last_failures: dict[int, dict[str, int]] = {}
    for out in outs:
        fingerprints |= out["fingerprints"]
        tools.update(out["tools"])
        last_failures[out["pid"]] = out["failures"]
    for per_worker in last_failures.values():
        failures.update(per_worker)
    cpu_by_worker: Counter[int] = Counter()
    for out in outs:
        cpu_by_worker[out["pid"]] += out["cpu_s"]
    total = sum(o["rows"] for o in outs)
    busiest = max(cpu_by_worker.values())
    parsed = sum(o["parsed"] for o in outs)
    return {
        "rows": total,
        "workers": workers,
        "seconds": wall,
        "rows_per_s": total / wall,
        "main_cpu_s": cpu_main,
        "analysis_cpu_s": sum(cpu_by_worker.values()),
        "cpu_us_per_row": sum(cpu_by_worker.values()) / total * 1e6,
        # What the wall time would be with a core per worker: the busiest worker's CPU time.
        "rows_per_s_dedicated_cores": total / busiest,
        "distinct_fingerprints": len(fingerprints),
        "repeat_rows_share": 1 - len(fingerprints) / total,
        "parses": parsed,
        "parse_failures": dict(failures),
        "rows_with_targets": sum(o["with_targets"] for o in outs),
        "tools": {str(k): v for k, v in tools.most_common()},
        "peak_rss_mb_main": _peak_rss_mb(resource.RUSAGE_SELF),
        "peak_rss_mb_largest_worker": _peak_rss_mb(resource.RUSAGE_CHILDREN) if workers > 1 else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--shapes", type=int, default=20_000)
    parser.add_argument("--repeat", type=float, default=0.95, help="share of rows repeating a shape")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    figures = run(args.rows, args.shapes, args.repeat, args.workers, args.batch, args.seed)
    print(f"history: {figures['rows']:,} rows, {figures['distinct_fingerprints']:,} distinct fingerprints "
          f"({figures['repeat_rows_share']:.1%} of rows repeat a known shape), {figures['workers']} worker(s)")
    print(f"  {figures['rows_per_s']:,.0f} rows/s measured ({figures['seconds']:.1f} s wall on a shared machine)")
    print(f"  {figures['cpu_us_per_row']:.1f} µs CPU per row; {figures['rows_per_s_dedicated_cores']:,.0f} rows/s "
          f"with a dedicated core per worker (busiest worker's CPU time)")
    print(f"  lineage parses: {figures['parses']:,}  parse failures: {figures['parse_failures'] or 'none'}")
    print(f"  rows with a write target: {figures['rows_with_targets']:,}  tools: {figures['tools']}")
    rss = f"  peak RSS: {figures['peak_rss_mb_main']:.0f} MB (this process)"
    if figures["peak_rss_mb_largest_worker"] is not None:
        rss += f", {figures['peak_rss_mb_largest_worker']:.0f} MB (largest worker)"
    print(rss)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
