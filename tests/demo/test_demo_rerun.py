"""`observer demo` run twice into one folder: the second run changes nothing in the store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, select

from observer.store.tables import metadata

# Each run is its own process, as `observer demo` is (DuckDB allows one configuration per file and process).
RUN = """
from datetime import UTC, datetime
from pathlib import Path
from observer.demo.run import build_demo
result = build_demo(Path({folder!r}), as_of=datetime(2026, 11, 20, 6, 0, tzinfo=UTC), say=lambda _l: None)
print(sum(o.report.rows_written for o in result.outcomes))
"""
# The ingest log records every run by design, and a watermark's bookkeeping time may move.
LOGS = {"ingest_runs", "ingest_errors"}


def snapshot(db: Path) -> dict[str, set[str]]:
    engine = create_engine(f"sqlite:///{db}")
    out = {}
    with engine.connect() as conn:
        for name, table in metadata.tables.items():
            if name in LOGS:
                continue
            cols = [c for c in table.columns if not (name == "watermarks" and c.name == "updated_at")]
            out[name] = {repr(tuple(r)) for r in conn.execute(select(*cols))}
    engine.dispose()
    return out


def demo(folder: Path) -> int:
    done = subprocess.run([sys.executable, "-c", RUN.format(folder=str(folder))], capture_output=True, text=True, check=True)
    return int(done.stdout.strip().splitlines()[-1])


def test_second_demo_run_changes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    assert demo(folder) > 10_000
    before = snapshot(folder / "observer.db")
    assert len(before["queries"]) > 10_000 and before["incidents"]
    assert demo(folder) == 0
    after = snapshot(folder / "observer.db")
    changed = {n: (len(before[n] - after[n]), len(after[n] - before[n])) for n in before if before[n] != after[n]}
    assert changed == {}
