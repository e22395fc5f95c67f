"""Ingest benchmark: a generated 1,000,000-row Snowflake QUERY_HISTORY export with its metering,
end to end into the store (parse, fingerprint, analyse, attribute, apportion, write), then the same
files again.

    .venv/bin/python bench/ingest/run.py [--rows 1000000] [--backend sqlite|postgres|both] [--workers 2]

Each ingest runs in its own process so its peak RSS is its own (the analysis workers' peak is shown
separately). Prints wall time, CPU time (this process + workers), rows/s, peak RSS, what was written,
and the machine's load average, for SQLite and for PostgreSQL (a fresh database on the server
``scripts/pg`` starts). The export is generated once by ``generate.py`` and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))


class DescendantsCPU:
    """CPU seconds and peak RSS of this process's descendants, sampled from /proc while they run.

    The analysis workers are started by a forkserver, so their CPU is not in this process's
    ``RUSAGE_CHILDREN``; this keeps the last reading of every descendant seen instead."""

    def __init__(self) -> None:
        import threading

        self.seen: dict[int, float] = {}
        self.peak_rss_kb: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._tick = os.sysconf("SC_CLK_TCK")
        self._thread.start()

    def _loop(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.25):
            self.sample(me)

    def sample(self, root: int) -> None:
        parents: dict[int, int] = {}
        cpu: dict[int, float] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rpartition(")")[2].split()
            except OSError:
                continue
            pid = int(entry)
            parents[pid] = int(fields[1])
            cpu[pid] = (int(fields[11]) + int(fields[12])) / self._tick
        for pid, seconds in cpu.items():
            p, hops = parents.get(pid), 0
            while p and p != root and hops < 4:
                p, hops = parents.get(p), hops + 1
            if p == root:
                self.seen[pid] = seconds
                try:
                    with open(f"/proc/{pid}/status") as fh:
                        hwm = next((int(x.split()[1]) for x in fh if x.startswith("VmHWM:")), 0)
                except OSError:
                    continue
                self.peak_rss_kb[pid] = max(self.peak_rss_kb.get(pid, 0), hwm)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return sum(self.seen.values())


def child(store_url: str, folder: Path, workers: int) -> None:
    """Ingest the export into ``store_url`` and print figures as JSON (runs in a fresh process)."""
    from collectors.snowflake import ingest_snowflake_exports
    from observer.config import Settings
    from observer.store import open_store

    store = open_store(store_url)
    now = datetime(2026, 11, 20, tzinfo=UTC)
    cpu0 = os.times()
    descendants = DescendantsCPU()
    started = time.perf_counter()
    report = ingest_snowflake_exports(
        store, Settings(), source="snowflake", now=now, workers=workers,
        query_history=[folder / "query_history.csv.gz"], metering=[folder / "warehouse_metering_history.csv.gz"],
    )
    wall = time.perf_counter() - started
    cpu1 = os.times()
    workers_cpu = descendants.stop()
    print(json.dumps({
        "seconds": round(wall, 1),
        "cpu_self_s": round((cpu1.user + cpu1.system) - (cpu0.user + cpu0.system), 1),
        "cpu_workers_s": round(workers_cpu, 1),
        "rows_read": report.rows_read,
        "rows_written": report.rows_written,
        "rows_bad": report.rows_bad,
        "fingerprints_parsed": report.details.get("fingerprints_parsed"),
        "cost_days": report.details.get("cost_days"),
        "cost_lines": report.details.get("cost_lines"),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "worker_peak_rss_mb": round(max(descendants.peak_rss_kb.values(), default=0) / 1024),
    }))
    store.dispose()


def run_child(store_url: str, folder: Path, workers: int) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", store_url, "--folder", str(folder), "--workers", str(workers)],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def postgres_url() -> str:
    from sqlalchemy import create_engine, text

    base = os.environ.get("OBSERVER_TEST_PG_URL") or subprocess.run(
        [str(ROOT / "scripts" / "pg")], check=True, capture_output=True, text=True
    ).stdout.strip()
    name = f"bench_ingest_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + f"/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--child")
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.folder, args.workers)
        return
    from generate import generate

    folder = HERE / "out" / str(args.rows)
    started = time.perf_counter()
    meta = generate(folder, args.rows)
    print(f"export: {args.rows:,} rows, {meta['bytes'] / 1e6:.0f} MB gzip, {meta['meter_rows']:,} metering rows "
          f"(ready in {time.perf_counter() - started:.0f} s)")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    results: dict[str, dict[str, object]] = {}
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/observer.db" if backend == "sqlite" else postgres_url()
            first = run_child(url, folder, args.workers)
            again = run_child(url, folder, args.workers)
        results[backend] = {"first": first, "again": again}
        rate = args.rows / float(first["seconds"])  # type: ignore[arg-type]
        print(
            f"{backend:<9} first ingest {first['seconds']:>7} s ({rate:,.0f} rows/s; CPU {first['cpu_self_s']} s + workers "
            f"{first['cpu_workers_s']} s)  peak RSS {first['peak_rss_mb']} MB (+ worker {first['worker_peak_rss_mb']} MB)  "
            f"written {first['rows_written']:,}, bad {first['rows_bad']}, fingerprints parsed {first['fingerprints_parsed']:,}, "
            f"cost lines {first['cost_lines']:,}"
        )
        print(f"{'':<9} re-ingest    {again['seconds']:>7} s  written {again['rows_written']}  cost days recomputed {again['cost_days']}  "
              f"peak RSS {again['peak_rss_mb']} MB")
    print(f"machine: load average {os.getloadavg()[0]:.1f} at end")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
