"""API and page latency with 50,000 assets and 500,000 lineage edges, on SQLite and PostgreSQL.

    .venv/bin/python bench/api/run.py [--backends sqlite,postgresql] [--clients 20] [--scale 1.0]

For each backend: build the catalog once (``generate.py``; cached in ``bench/api/out`` for SQLite and
in the ``observer_bench_api`` database for PostgreSQL), start ``observer serve`` exactly as a user
would (``--workers`` processes, default one per CPU), wait until every worker's search index is built,
then drive it with ``--clients``
concurrent closed-loop clients — ``wrk`` (Debian package ``wrk``; ``wrk_paths.lua`` rotates through the
request list) when installed, else the Python client in ``load.py`` — each group for ``--seconds``:

* **search API** — ``GET /api/v1/assets?q=…`` with partial, qualified, upper-case and quoted names,
  column and owner words (what the search box sends as you type);
* **search box** — ``GET /api/v1/search?q=…`` (assets, teams and people at once);
* **pages** — the HTML of the home page, search results, asset pages (including the biggest lineage
  hubs), the teams list and team pages;
* **lineage API** — ``GET /api/v1/assets/{key}/lineage`` one and two hops each way.

Reported per group: p50 / p95 / p99 latency in ms at the client and requests per second. The
comparison figure from the same run is the store's plain SQL search (``LIKE`` over names,
descriptions, columns and owners — what search would cost without the in-memory index), timed
single-threaded in process. Results go to ``bench/api/out/results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, unquote

import httpx
from sqlalchemy import create_engine, func, select, text

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

from observer.store import open_store  # noqa: E402
from observer.store.assets import search_assets  # noqa: E402
from observer.store.engine import normalize_url  # noqa: E402
from observer.store.tables import assets, lineage_edges  # noqa: E402

TARGETS = {"search API": 50.0, "search box": 50.0, "pages": 200.0, "lineage API": 200.0}
"""p95 goals in ms (the issue's: < 50 ms for search API calls, < 200 ms for pages)."""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def store_url(backend: str, n_assets: int, n_edges: int) -> str:
    if backend == "sqlite":
        OUT.mkdir(exist_ok=True)
        return f"sqlite:///{OUT / f'catalog-{n_assets}-{n_edges}.db'}"
    base = subprocess.run([str(ROOT / "scripts" / "pg")], check=True, capture_output=True, text=True).stdout.strip()
    name = f"observer_bench_api_{n_assets}_{n_edges}"
    admin = create_engine(normalize_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name


def ensure_catalog(url: str, n_assets: int, n_edges: int) -> None:
    store = open_store(url)
    with store.read() as conn:
        have = conn.execute(select(func.count()).select_from(assets)).scalar_one()
        edges = conn.execute(select(func.count()).select_from(lineage_edges)).scalar_one()
    if have != n_assets or edges != n_edges:
        print(f"  generating {n_assets:,} assets and {n_edges:,} edges…", flush=True)
        timings = generate(store, n_assets, n_edges)
        print("  " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()), flush=True)
    store.dispose()


def workload(url: str, rng: random.Random, scale: float) -> dict[str, list[tuple[str, str]]]:
    store = open_store(url, migrate=False)
    with store.read() as conn:
        names = [r[0] for r in conn.execute(select(assets.c.name).order_by(assets.c.id))]
        hubs = [r[0] for r in conn.execute(
            select(lineage_edges.c.upstream).group_by(lineage_edges.c.upstream)
            .order_by(func.count().desc()).limit(10)
        )]
    store.dispose()
    sample = rng.sample(names, 300)
    terms: list[str] = []
    for name in sample:
        short = name.rsplit(".", 1)[-1]
        parts = short.split("_")
        terms += [
            "_".join(parts[:2]),  # fct_orders
            short[: max(3, len(short) - 2)],  # fct_orders_12…
            ".".join(name.split(".")[-2:])[:-1],  # marts.fct_orders_12…
            name.upper(),  # ANALYTICS.MARTS.FCT_ORDERS_123
            '"' + '"."'.join(p.upper() for p in name.split(".")) + '"',  # "ANALYTICS"."MARTS"."…"
        ]
    terms += ["customer_id", "growth", "finance orders", "revenue", "stg", "dim cust"]
    n = lambda k: max(20, int(k * scale))  # noqa: E731
    search_api = [("search API", f"/api/v1/assets?limit=20&q={quote(rng.choice(terms))}") for _ in range(n(3000))]
    search_box = [("search box", f"/api/v1/search?q={quote(rng.choice(terms))}") for _ in range(n(1000))]

    def page_path(name: str) -> str:
        platform = "looker" if ".bi." in name else "snowflake"
        return f"/assets/{platform}/{quote(name, safe='.')}"

    pages: list[tuple[str, str]] = []
    for _ in range(n(1500)):
        r = rng.random()
        if r < 0.15:
            pages.append(("pages", "/"))
        elif r < 0.35:
            pages.append(("pages", "/?q=" + quote(rng.choice(terms))))
        elif r < 0.85:
            pages.append(("pages", page_path(rng.choice(sample))))
        elif r < 0.90:
            pages.append(("pages", page_path(rng.choice(hubs).split("://", 1)[1])))
        elif r < 0.95:
            pages.append(("pages", "/teams"))
        else:
            pages.append(("pages", "/teams/" + rng.choice(("growth", "finance", "data-platform", "marketing"))))
    lineage = []
    for _ in range(n(1000)):
        name = rng.choice(sample + hubs[:3])
        name = name.split("://", 1)[-1]
        platform = "looker" if ".bi." in name else "snowflake"
        depth = rng.choice((1, 2))
        lineage.append(("lineage API", f"/api/v1/assets/{platform}/{quote(name, safe='.')}/lineage?upstream={depth}&downstream={depth}"))
    return {"search API": search_api, "search box": search_box, "pages": pages, "lineage API": lineage}


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "OBSERVER_CONFIG"} | {"OBSERVER_STORE": url}
    cwd = tempfile.mkdtemp(prefix="observer-bench-")  # no observer.yaml there: defaults plus OBSERVER_STORE
    return subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "observer"), "serve", "--port", str(port), "--workers", str(workers)],
        env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def drive(base: str, label: str, reqs: list[tuple[str, str]], clients: int, seconds: float) -> dict[str, float]:
    """Load one group: wrk (C, closed loop) when installed, else the Python client in load.py."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(p for _, p in reqs) if shutil.which("wrk") else "\n".join(f"{lab}\t{p}" for lab, p in reqs))
    try:
        if shutil.which("wrk"):
            out = subprocess.run(
                ["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds:.0f}s", "--timeout", "30s",
                 "-s", str(HERE / "wrk_paths.lua"), base],
                env={**os.environ, "OBSERVER_BENCH_PATHS": f.name}, check=True, capture_output=True, text=True,
            ).stdout
            data = json.loads(out.strip().splitlines()[-1])
            return {**data, "rps": data["requests"] / data["duration_s"], "client": "wrk"}
        load = subprocess.run(
            [sys.executable, str(HERE / "load.py"), base, f.name, str(clients)],
            check=True, capture_output=True, text=True,
        )
        data = json.loads(load.stdout)
        lat = data["latencies"][label]
        return {
            "requests": len(lat), "errors": data["errors"].get(label, 0), "p50_ms": pct(lat, 50),
            "p95_ms": pct(lat, 95), "p99_ms": pct(lat, 99), "rps": len(lat) / data["wall_s"], "client": "python",
        }
    finally:
        os.unlink(f.name)


def wait_ready(base: str, workers: int, timeout: float = 300) -> float:
    """Seconds until every worker answers search from a built index (several fast answers in a row)."""
    started = time.perf_counter()
    fast = 0
    while time.perf_counter() - started < timeout:
        try:
            t = time.perf_counter()
            r = httpx.get(base + "/api/v1/assets?q=warm&limit=1", timeout=120)
            fast = fast + 1 if r.status_code == 200 and time.perf_counter() - t < 0.2 else 0
            if fast >= 10 * workers:
                return time.perf_counter() - started
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("server did not become ready")


def sql_search_baseline(url: str, rng: random.Random, terms: list[str]) -> dict[str, float]:
    store = open_store(url, migrate=False)
    times = []
    with store.read() as conn:
        for term in rng.sample(terms, 20):
            t = time.perf_counter()
            search_assets(conn, term, limit=20)
            times.append((time.perf_counter() - t) * 1000)
    store.dispose()
    return {"p50": statistics.median(times), "p95": pct(times, 95), "n": len(times)}


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, object]:
    n_assets, n_edges = int(50_000 * args.scale), int(500_000 * args.scale)
    print(f"\n{backend}: {n_assets:,} assets, {n_edges:,} lineage edges", flush=True)
    url = store_url(backend, n_assets, n_edges)
    ensure_catalog(url, n_assets, n_edges)
    rng = random.Random(11)
    groups = workload(url, rng, args.requests)
    port = 18000 + (os.getpid() % 1000)
    server = start_server(url, port, args.workers)
    base = f"http://127.0.0.1:{port}"
    results: dict[str, object] = {}
    try:
        ready = wait_ready(base, args.workers)
        print(f"  server ready (search index built) after {ready:.1f} s", flush=True)
        for label, reqs in groups.items():
            for _, path in reqs[: max(20, len(reqs) // 20)]:  # warm caches and connection pools
                httpx.get(base + path, timeout=60)
            row = drive(base, label, reqs, args.clients, args.seconds) | {"p95_goal_ms": TARGETS[label]}
            results[label] = row
            print(f"  {label:<12} p50 {row['p50_ms']:7.1f}  p95 {row['p95_ms']:7.1f}  p99 {row['p99_ms']:7.1f} ms"
                  f"  {row['rps']:6.0f} req/s  ({row['requests']} requests, {row['errors']} errors;"
                  f" goal p95 < {TARGETS[label]:.0f} ms; client {row['client']})", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    terms = [unquote(p.split("q=", 1)[1]) for _, p in groups["search API"]]
    base_sql = sql_search_baseline(url, rng, terms)
    results["sql search (no index), 1 client"] = base_sql
    print(f"  comparison: store SQL LIKE search, single client: p50 {base_sql['p50']:.0f} ms, p95 {base_sql['p95']:.0f} ms")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--scale", type=float, default=1.0, help="catalog size relative to 50k assets / 500k edges")
    parser.add_argument("--requests", type=float, default=1.0, help="request counts relative to the defaults")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="observer serve --workers")
    parser.add_argument("--seconds", type=float, default=20, help="load duration per group (with wrk)")
    args = parser.parse_args(argv)
    load1, load5, _ = os.getloadavg()
    print(f"machine: {os.cpu_count()} CPUs, load average {load1:.1f} / {load5:.1f} at start; {args.clients} clients;"
          f" observer serve --workers {args.workers}; load from {'wrk' if shutil.which('wrk') else 'bench/api/load.py'}")
    out = {"clients": args.clients, "cpus": os.cpu_count(), "workers": args.workers, "load_at_start": [load1, load5],
           "backends": {}}
    for backend in args.backends.split(","):
        out["backends"][backend] = run_backend(backend.strip(), args)  # type: ignore[index]
    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
