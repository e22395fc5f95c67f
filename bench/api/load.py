"""Closed-loop HTTP load: ``clients`` concurrent connections each send the next request as soon as
the previous one answers, until ``total`` requests are done. Latency is measured at the client.

Runs in its own process (``python bench/api/load.py URL_FILE CLIENTS``), so the client's work does
not share the server's interpreter; prints one JSON object of latencies (ms) per label.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import httpx


async def run(base: str, requests: list[tuple[str, str]], clients: int) -> dict[str, object]:
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)
    latencies: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def worker() -> None:
            while True:
                try:
                    label, path = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                accept = "application/json" if path.startswith("/api/") else "text/html"
                start = time.perf_counter()
                try:
                    response = await client.get(path, headers={"accept": accept})
                    await response.aread()
                    ok = response.status_code == 200
                except httpx.HTTPError as exc:
                    ok = False
                    print(f"{label} {path}: {type(exc).__name__}", file=sys.stderr)
                elapsed = (time.perf_counter() - start) * 1000
                if not ok:
                    errors[label] = errors.get(label, 0) + 1
                latencies.setdefault(label, []).append(elapsed)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - started
    return {"latencies": latencies, "errors": errors, "wall_s": wall}


def main() -> int:
    base, path, clients = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(path, encoding="utf-8") as f:
        requests = [tuple(line.rstrip("\n").split("\t", 1)) for line in f if line.strip()]
    result = asyncio.run(run(base, requests, clients))  # type: ignore[arg-type]
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
