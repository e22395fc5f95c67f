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
    """CPU seconds and peak RSS of the descendants of process ``root``, sampled from /proc while they run.

    The analysis workers are started by a forkserver, so their CPU is not in the ingesting process's
    ``RUSAGE_CHILDREN``; this keeps the last reading of every descendant seen instead. It runs in the
    benchmark's parent process, so sampling costs the measured process nothing."""

    def __init__(self, root: int) -> None:
        import threading

        self.root = root
        self.started = time.perf_counter()
        self.timeline: list[tuple[float, float]] = []
        """(seconds since start, the descendants' CPU seconds so far) at each sample."""
        self.seen: dict[int, float] = {}
        self.server_base: dict[int, float] = {}
        self.server_seen: dict[int, float] = {}
        self.peak_rss_kb: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._tick = os.sysconf("SC_CLK_TCK")
        self.sample(root)  # the database server's CPU so far, to count only what this run adds
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(0.25):
            self.sample(self.root)

    def sample(self, root: int) -> None:
        parents: dict[int, int] = {}
        cpu: dict[int, float] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    name, _, rest = fh.read().rpartition(")")
            except OSError:
                continue
            fields = rest.split()
            pid = int(entry)
            parents[pid] = int(fields[1])
            cpu[pid] = (int(fields[11]) + int(fields[12])) / self._tick
            if name.endswith("(postgres"):
                self.server_base.setdefault(pid, cpu[pid] if not self.timeline else 0.0)
                self.server_seen[pid] = cpu[pid]
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
        self.timeline.append((time.perf_counter() - self.started, sum(self.seen.values())))

    @property
    def server_cpu(self) -> float:
        """CPU seconds the PostgreSQL server's processes used while sampled (0 on SQLite)."""
        return sum(seen - self.server_base.get(pid, 0.0) for pid, seen in self.server_seen.items())

    def at(self, seconds: float) -> float:
        """The descendants' CPU seconds at ``seconds`` after start (the last sample before)."""
        return max((cpu for t, cpu in self.timeline if t <= seconds), default=0.0)

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
    started = time.perf_counter()
    rows_done = [0.0, 0.0]  # wall and own CPU when the last batch of rows was written

    def progress(done: int, total: int | None) -> None:
        t = os.times()
        rows_done[:] = [time.perf_counter() - started, (t.user + t.system) - (cpu0.user + cpu0.system)]

    report = ingest_snowflake_exports(
        store, Settings(), source="snowflake", now=now, workers=workers, progress=progress,
        query_history=[folder / "query_history.csv.gz"], metering=[folder / "warehouse_metering_history.csv.gz"],
    )
    wall = time.perf_counter() - started
    cpu1 = os.times()
    print(json.dumps({
        "seconds": round(wall, 1),
        "cpu_self_s": round((cpu1.user + cpu1.system) - (cpu0.user + cpu0.system), 1),
        "rows_phase_s": round(rows_done[0], 1),
        "rows_phase_cpu_self_s": round(rows_done[1], 1),
        "rows_read": report.rows_read,
        "rows_written": report.rows_written,
        "rows_bad": report.rows_bad,
        "fingerprints_parsed": report.details.get("fingerprints_parsed"),
        "cost_days": report.details.get("cost_days"),
        "cost_lines": report.details.get("cost_lines"),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }))
    store.dispose()


def run_child(store_url: str, folder: Path, workers: int) -> dict[str, object]:
    """Run :func:`child` in a fresh process; its analysis workers' CPU and peak RSS are sampled from here."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", store_url, "--folder", str(folder), "--workers", str(workers)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    descendants = DescendantsCPU(proc.pid)
    out, err = proc.communicate()
    workers_cpu = descendants.stop()
    if proc.returncode:
        raise SystemExit(f"ingest failed ({proc.returncode}):\n{err}")
    figures: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    figures["cpu_workers_s"] = round(workers_cpu, 1)
    figures["cpu_database_server_s"] = round(descendants.server_cpu, 1)
    figures["rows_phase_cpu_workers_s"] = round(descendants.at(float(figures["rows_phase_s"])), 1)  # type: ignore[arg-type]
    figures["worker_peak_rss_mb"] = round(max(descendants.peak_rss_kb.values(), default=0) / 1024)
    return figures


def cpu_check() -> float:
    """Seconds of CPU for a fixed slice of ingest-like work — fingerprint 100,000 query texts and
    insert them into an in-memory SQLite table. This virtual machine's CPU speed varies from hour to
    hour; each run reports this beside its figures (lower is faster) so runs can be compared."""
    import sqlite3

    from observer.sql.fingerprint import fingerprint

    texts = [f"SELECT a, b, sum(c) FROM db.s.t{i % 50} WHERE d = '{i}' AND e IN ({i}, {i + 1}) GROUP BY 1, 2 -- run {i}"  # noqa: S608 - texts to fingerprint, never executed
             for i in range(100_000)]
    started = time.process_time()
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (fp TEXT, text TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", ((fingerprint(t, "snowflake"), t) for t in texts))
    conn.close()
    return round(time.process_time() - started, 2)


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
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start, CPU check {cpu_check()} s")
    results: dict[str, dict[str, object]] = {}
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/observer.db" if backend == "sqlite" else postgres_url()
            first = run_child(url, folder, args.workers)
            again = run_child(url, folder, args.workers)
        results[backend] = {"first": first, "again": again}
        rate = args.rows / float(first["seconds"])  # type: ignore[arg-type]
        server = f" + database server {first['cpu_database_server_s']} s" if backend == "postgres" else ""
        print(
            f"{backend:<9} first ingest {first['seconds']:>7} s ({rate:,.0f} rows/s; CPU {first['cpu_self_s']} s + workers "
            f"{first['cpu_workers_s']} s{server})  peak RSS {first['peak_rss_mb']} MB (+ worker {first['worker_peak_rss_mb']} MB)  "
            f"written {first['rows_written']:,}, bad {first['rows_bad']}, fingerprints parsed {first['fingerprints_parsed']:,}, "
            f"cost lines {first['cost_lines']:,}"
        )
        print(f"{'':<9} of which rows {first['rows_phase_s']} s (CPU {first['rows_phase_cpu_self_s']} s + workers "
              f"{first['rows_phase_cpu_workers_s']} s), then costs")
        print(f"{'':<9} re-ingest    {again['seconds']:>7} s  written {again['rows_written']}  cost days recomputed {again['cost_days']}  "
              f"peak RSS {again['peak_rss_mb']} MB")
    print(f"machine: load average {os.getloadavg()[0]:.1f} at end, CPU check {cpu_check()} s")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
