"""Run the tiny_shop project with a real dbt (its own virtualenv, scripts/toolvenv dbt).

Used by the real-dbt tests and by ``python -m tests.collectors.dbt.dbt_runner`` which refreshes the
committed fixtures (fixtures/duckdb/…) that the fast tests read.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE / "project"
ROOT = HERE.parents[2]
FIXTURES = HERE / "fixtures"


def dbt_bin() -> Path:
    out = subprocess.run([str(ROOT / "scripts" / "toolvenv"), "dbt"], check=True, capture_output=True, text=True)
    return Path(out.stdout.strip()) / "dbt"


def _dbt(args: list[str], work: Path, env: dict[str, str], ok_codes: tuple[int, ...] = (0, 1)) -> None:
    cmd = [str(dbt_bin()), *args, "--project-dir", str(work / "project"), "--profiles-dir", str(work / "project"),
           "--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    if proc.returncode not in ok_codes:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")


def build(work: Path, target: str = "duckdb", extra_env: dict[str, str] | None = None, builds: int = 2) -> Path:
    """Two ``dbt build`` invocations (the second incremental), ``dbt source freshness`` and ``dbt docs generate``.

    Returns a folder holding ``manifest.json``, ``catalog.json``, ``sources.json`` (``dbt source
    freshness``), ``run_results.json`` (the last build)
    and ``runs/<invocation_id>/run_results.json`` for both builds. Test ``positive_dim_customers_…``
    fails and ``accepted_values_stg_orders_status…`` warns on purpose, so dbt exits 1.
    """
    work.mkdir(parents=True, exist_ok=True)
    shutil.copytree(PROJECT, work / "project", dirs_exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(work)),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "TINY_SHOP_DUCKDB": str(work / "tiny_shop.duckdb"),
        **(extra_env or {}),
    }
    out = work / "artifacts"
    (out / "runs").mkdir(parents=True, exist_ok=True)
    for _ in range(builds):
        _dbt(["build", "--target", target], work, env)
        results = json.loads((work / "target" / "run_results.json").read_text())
        inv = results["metadata"]["invocation_id"]
        (out / "runs" / inv).mkdir(exist_ok=True)
        shutil.copy(work / "target" / "run_results.json", out / "runs" / inv / "run_results.json")
        shutil.copy(work / "target" / "run_results.json", out / "run_results.json")
    _dbt(["source", "freshness", "--target", target], work, env)
    shutil.copy(work / "target" / "sources.json", out / "sources.json")
    _dbt(["docs", "generate", "--target", target], work, env, ok_codes=(0,))
    shutil.copy(work / "target" / "manifest.json", out / "manifest.json")
    shutil.copy(work / "target" / "catalog.json", out / "catalog.json")
    return out


def refresh_fixtures(work: Path) -> None:
    """Rebuild fixtures/duckdb from a real run; macros and docs are dropped to keep the files small."""
    out = build(work)
    dest = FIXTURES / "duckdb"
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(out, dest)
    manifest = json.loads((dest / "manifest.json").read_text())
    manifest["macros"] = {}
    manifest["docs"] = {}
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        refresh_fixtures(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tmp))
    print(f"fixtures written to {FIXTURES / 'duckdb'}")
