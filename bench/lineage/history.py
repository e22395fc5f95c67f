"""History throughput: fingerprint + comment/tag extraction + lineage for every row of a query history.

    .venv/bin/python bench/lineage/history.py [--rows 1000000] [--shapes 20000] [--repeat 0.95] [--workers 2]

The history (see ``history_gen.py``) is generated first and written to batch files in a temporary
directory; only the analysis is timed. With ``--workers N`` this process reads the batches and
fingerprints each row, and routes it by fingerprint to one of N worker processes, each running a
:class:`observer.sql.analysis.QueryAnalyzer` (its own LRU, no store) that reads the row's tags and
looks up — or, the first time, parses — its lineage. Routing by fingerprint means every shape is
parsed exactly once, as a shared fingerprint store gives a fleet of ingesters. With
``--workers 1`` everything runs in this process. The analyzing process first calls
:func:`observer.sql.analysis.tune_gc_for_analysis`, as an ingestion process holding a large lineage
cache should.

Prints rows/s (measured by the wall clock, and projected for 2 dedicated cores from the processes'
CPU times — the machine this runs on is shared), CPU µs per row, distinct fingerprints, parses,
parse failures and peak RSS (this process and the largest worker).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import pickle
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from history_gen import generate_history  # noqa: E402

from observer.sql.analysis import QueryAnalyzer, tune_gc_for_analysis  # noqa: E402
from observer.sql.fingerprint import fingerprint  # noqa: E402


def _analyze(analyzer: QueryAnalyzer, rows: list[tuple], stats: dict) -> None:  # type: ignore[type-arg]
    cpu = time.process_time()
    before = analyzer.parsed
    results = analyzer.analyze_many(rows)  # (text, dialect, query_tag, labels, fingerprint) tuples
    analyzer.new_entries()  # a real ingester upserts these into the store; here they are only drained
    stats["cpu_s"] += time.process_time() - cpu
    stats["rows"] += len(results)
    stats["parsed"] += analyzer.parsed - before
    stats["fingerprints"].update(r.fingerprint for r in results)
    stats["with_targets"] += sum(1 for r in results if r.lineage.targets)
    stats["tools"].update(r.tags.tool for r in results)


def _new_stats() -> dict:  # type: ignore[type-arg]
    return {"cpu_s": 0.0, "rows": 0, "parsed": 0, "fingerprints": set(), "with_targets": 0, "tools": Counter()}


def _worker(inbox: mp.Queue, outbox: mp.Queue) -> None:  # type: ignore[type-arg]
    tune_gc_for_analysis()  # as an ingestion worker holding a large lineage cache would
    analyzer = QueryAnalyzer(cache_size=200_000)
    stats = _new_stats()
    while (rows := inbox.get()) is not None:
        _analyze(analyzer, rows, stats)
    stats["failures"] = dict(analyzer.failures_by_dialect)
    stats["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    outbox.put(stats)


def _peak_rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def run(rows: int, shapes: int, repeat: float, workers: int, batch: int, seed: int) -> dict:  # type: ignore[type-arg]
    """Generate the history to batch files, then time its analysis (see the module docstring)."""
    with tempfile.TemporaryDirectory(prefix="observer-history-") as tmp:
        paths = []
        gen = generate_history(rows, shapes, repeat, seed)
        for i in range(0, rows, batch):
            chunk = [next(gen) for _ in range(min(batch, rows - i))]
            path = Path(tmp) / f"batch-{i // batch:05d}.pkl"
            path.write_bytes(pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL))
            paths.append(path)
        del gen

        started = time.perf_counter()
        cpu_started = time.process_time()
        if workers <= 1:
            tune_gc_for_analysis()
            analyzer = QueryAnalyzer(cache_size=200_000)
            stats = _new_stats()
            for path in paths:
                _analyze(analyzer, pickle.loads(path.read_bytes()), stats)
            stats["failures"] = dict(analyzer.failures_by_dialect)
            per_worker = [stats]
        else:
            # Rows are routed to workers by fingerprint, so each shape is parsed by one worker only —
            # what a shared fingerprint store gives a fleet of ingesters.
            ctx = mp.get_context("fork")
            outbox = ctx.Queue()
            inboxes = [ctx.Queue(maxsize=4) for _ in range(workers)]
            procs = [ctx.Process(target=_worker, args=(q, outbox), daemon=True) for q in inboxes]
            for proc in procs:
                proc.start()
            for path in paths:
                routed: list[list[tuple]] = [[] for _ in range(workers)]  # type: ignore[type-arg]
                for text, dialect, tag in pickle.loads(path.read_bytes()):
                    fp = fingerprint(text, dialect)
                    routed[int(fp[:8], 16) % workers].append((text, dialect, tag, None, fp))
                for inbox, part in zip(inboxes, routed, strict=True):
                    inbox.put(part)
            for inbox in inboxes:
                inbox.put(None)
            per_worker = [outbox.get() for _ in procs]
            for proc in procs:
                proc.join()
        wall = time.perf_counter() - started
        cpu_main = time.process_time() - cpu_started

    fingerprints: set[str] = set()
    tools: Counter[str | None] = Counter()
    failures: Counter[str] = Counter()
    for stats in per_worker:
        fingerprints |= stats["fingerprints"]
        tools.update(stats["tools"])
        failures.update(stats["failures"])
    total = sum(s["rows"] for s in per_worker)
    worker_cpu = [s["cpu_s"] for s in per_worker]
    all_cpu = sum(worker_cpu) + (cpu_main if workers > 1 else 0.0)
    # On dedicated cores no process finishes faster than its own CPU time, and all the CPU time is
    # spread over at most two cores (the benchmark's machine class).
    dedicated = max([*worker_cpu, cpu_main if workers > 1 else 0.0, all_cpu / min(2, max(workers, 1))])
    return {
        "rows": total,
        "workers": workers,
        "seconds": wall,
        "rows_per_s": total / wall,
        "main_cpu_s": cpu_main,
        "analysis_cpu_s": all_cpu,
        "cpu_us_per_row": all_cpu / total * 1e6,
        "rows_per_s_dedicated_cores": total / dedicated,
        "distinct_fingerprints": len(fingerprints),
        "repeat_rows_share": 1 - len(fingerprints) / total,
        "parses": sum(s["parsed"] for s in per_worker),
        "parse_failures": dict(failures),
        "rows_with_targets": sum(s["with_targets"] for s in per_worker),
        "tools": {str(k): v for k, v in tools.most_common()},
        "peak_rss_mb_main": _peak_rss_mb(resource.RUSAGE_SELF),
        "peak_rss_mb_largest_worker": max(s["peak_rss_mb"] for s in per_worker) if workers > 1 else None,
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
    print(f"  {figures['cpu_us_per_row']:.1f} µs CPU per row (all processes); {figures['rows_per_s_dedicated_cores']:,.0f} "
          f"rows/s projected on 2 dedicated cores (from CPU times)")
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
