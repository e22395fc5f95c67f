"""Generate a Snowflake ACCOUNT_USAGE export for the ingest benchmark: QUERY_HISTORY + metering.

    .venv/bin/python bench/ingest/generate.py [--rows 1000000] [--out bench/ingest/out]

Query texts come from the SQL-intelligence benchmark's history generator
(``bench/lineage/history_gen.py``: ≈ 95 % of rows repeat ≈ 20,000 shapes with fresh literals —
dashboards with Looker context comments, dbt models with dbt's comment, Airflow MERGEs, loader
INSERT … VALUES and COPY INTO — the rest one-off ad-hoc queries), so both benchmarks read the same
kind of history. Each text becomes a full QUERY_HISTORY row (every column of the view, in its
order; the user, role and warehouse follow from who sends such a query) spread over two months,
and WAREHOUSE_METERING_HISTORY is derived from the rows' execution time per warehouse-hour plus
idle time — exactly the files ``COPY INTO … HEADER = TRUE`` writes (CSV, gzip).

Deterministic for a seed; files are reused when they already exist for the same parameters.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "lineage"))

from history_gen import generate_history  # noqa: E402

from observer.demo.query_history import METERING_COLUMNS, QUERY_HISTORY_COLUMNS  # noqa: E402

START = datetime(2026, 9, 1, tzinfo=UTC)
DAYS = 61
WAREHOUSES = {"REPORTING": ("Small", 2.0, 103), "TRANSFORMING": ("Medium", 4.0, 101), "LOADING": ("Small", 2.0, 102),
              "ADHOC": ("X-Small", 1.0, 104)}
ANALYSTS = ("ALICE", "BOB", "CAROL", "DMITRI", "EMMA", "FARID", "GRACE", "HUGO")


def _who(text: str, rng: random.Random) -> tuple[str, str, str, str]:
    """(user, role, warehouse, query type) of a generated statement."""
    head = text.lstrip()[:12].upper()
    if "Looker Query Context" in text[:200]:
        return "LOOKER_SVC", "REPORTER", "REPORTING", "SELECT"
    if '"app": "dbt"' in text:
        return "DBT_PROD", "TRANSFORMER", "TRANSFORMING", "CREATE_TABLE_AS_SELECT"
    if "dag_id=" in text:
        return "AIRFLOW_SVC", "LOADER", "LOADING", "MERGE"
    if head.startswith("INSERT"):
        return "FIVETRAN_SVC", "LOADER", "LOADING", "INSERT"
    if head.startswith("COPY"):
        return "FIVETRAN_SVC", "LOADER", "LOADING", "COPY"
    user = rng.choice(ANALYSTS)
    return user, f"ANALYST_{user}", "ADHOC", "SELECT"


def _ts(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}.{moment.microsecond // 1000:03d} +0000"


def generate(out: Path, rows: int, seed: int = 7) -> dict[str, object]:
    out.mkdir(parents=True, exist_ok=True)
    meta_path = out / "meta.json"
    qh, wmh = out / "query_history.csv.gz", out / "warehouse_metering_history.csv.gz"
    wanted = {"rows": rows, "seed": seed, "version": 2}
    if meta_path.exists() and qh.exists() and wmh.exists():
        meta = json.loads(meta_path.read_text())
        if {k: meta.get(k) for k in wanted} == wanted:
            return meta  # type: ignore[no-any-return]
    started = time.perf_counter()
    rng = random.Random(seed)
    busy: dict[tuple[str, int], float] = defaultdict(float)  # (warehouse, hour index) → execution seconds
    index = {c: i for i, c in enumerate(QUERY_HISTORY_COLUMNS)}
    span_s = DAYS * 86400
    base = START.timestamp()
    with gzip.open(qh, "wt", encoding="utf-8", newline="", compresslevel=3) as gz:
        w = csv.writer(gz, lineterminator="\n")
        w.writerow(QUERY_HISTORY_COLUMNS)
        blank = [""] * len(QUERY_HISTORY_COLUMNS)
        for n, (text, _dialect, tag) in enumerate(generate_history(rows, 20_000, 0.95, seed)):
            user, role, wh, qtype = _who(text, rng)
            size = WAREHOUSES[wh][0]
            start_s = base + (n / rows) * span_s + rng.random() * 30
            compile_ms = rng.randint(20, 400)
            queued_ms = rng.randint(0, 3000) if rng.random() < 0.05 else 0
            exec_ms = int(rng.lognormvariate(7.5 if wh != "TRANSFORMING" else 10.0, 1.1))
            start = datetime.fromtimestamp(start_s, UTC).replace(microsecond=(int(start_s * 1000) % 1000) * 1000)
            end = start + timedelta(milliseconds=compile_ms + queued_ms + exec_ms)
            e0 = start_s + (compile_ms + queued_ms) / 1000
            e1 = e0 + exec_ms / 1000
            h = int(e0 // 3600)
            while h * 3600 < e1:
                busy[(wh, h)] += min(e1, (h + 1) * 3600) - max(e0, h * 3600)
                h += 1
            row = list(blank)
            for col, value in (
                ("QUERY_ID", f"01bf{n:08x}-0000-{rng.getrandbits(16):04x}-0000-{rng.getrandbits(48):012x}"),
                ("QUERY_TEXT", text), ("DATABASE_ID", 17), ("DATABASE_NAME", "ANALYTICS"), ("SCHEMA_NAME", "PUBLIC"),
                ("QUERY_TYPE", qtype), ("SESSION_ID", 10_000 + n % 997), ("USER_NAME", user), ("ROLE_NAME", role),
                ("WAREHOUSE_ID", WAREHOUSES[wh][2]), ("WAREHOUSE_NAME", wh), ("WAREHOUSE_SIZE", size),
                ("WAREHOUSE_TYPE", "STANDARD"), ("CLUSTER_NUMBER", 1), ("QUERY_TAG", tag or ""),
                ("EXECUTION_STATUS", "SUCCESS"), ("START_TIME", _ts(start)), ("END_TIME", _ts(end)),
                ("TOTAL_ELAPSED_TIME", compile_ms + queued_ms + exec_ms), ("BYTES_SCANNED", rng.randint(0, 10**9)),
                ("ROWS_PRODUCED", rng.randint(0, 5000)), ("COMPILATION_TIME", compile_ms), ("EXECUTION_TIME", exec_ms),
                ("QUEUED_PROVISIONING_TIME", 0), ("QUEUED_REPAIR_TIME", 0), ("QUEUED_OVERLOAD_TIME", queued_ms),
                ("TRANSACTION_BLOCKED_TIME", 0), ("LIST_EXTERNAL_FILES_TIME", 0),
                ("CREDITS_USED_CLOUD_SERVICES", f"{compile_ms / 3_600_000 * 4.4:.9f}"),
                ("QUERY_ACCELERATION_BYTES_SCANNED", 0), ("RELEASE_VERSION", "9.34.2"),
            ):
                row[index[col]] = value
            w.writerow(row)
    hours = 0
    with gzip.open(wmh, "wt", encoding="utf-8", newline="") as gz:
        w = csv.writer(gz, lineterminator="\n")
        w.writerow(METERING_COLUMNS)
        first = int(base // 3600)
        for wh, (_size, rate, wid) in WAREHOUSES.items():
            for h in range(first, first + DAYS * 24):
                seconds = busy.get((wh, h), 0.0)
                if seconds <= 0 and rng.random() < 0.7:
                    continue  # suspended
                # concurrency packs execution into less wall time; idle tail until auto-suspend
                active = min(1.0, seconds / 3600 / 2.5 + 0.08)
                compute = round(rate * active, 9)
                cloud = round(compute * rng.uniform(0.04, 0.16), 9)
                s = datetime.fromtimestamp(h * 3600, UTC)
                w.writerow([_ts(s), _ts(s + timedelta(hours=1)), wid, wh, f"{compute + cloud:.9f}", f"{compute:.9f}",
                            f"{cloud:.9f}", f"{compute * 0.9:.9f}"])
                hours += 1
    meta = {**wanted, "meter_rows": hours, "seconds": round(time.perf_counter() - started, 1),
            "bytes": qh.stat().st_size}
    meta_path.write_text(json.dumps(meta, indent=2))
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    meta = generate(args.out / str(args.rows), args.rows, args.seed)
    print(json.dumps(meta, indent=2))


if __name__ == "__main__":
    main()
