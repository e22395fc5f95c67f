"""Against a real Dagster (1.13.27, own virtualenv): the code location in project/ is materialized with
``dagster job execute`` and served by ``dagster-webserver``; the collector reads its GraphQL API."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from collectors.dagster import DagsterCollector, DagsterConfig
from observer.catalog.owner_lookup import lookup_owner
from observer.config import Settings
from observer.model import AssetKey, RunStatus, Team
from observer.plugins import RunContext
from observer.store.lineage import upstream_edges
from observer.store.ownership import sync_teams
from observer.store.runs import runs_for_asset

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("dagster")]

HERE = Path(__file__).parent
ROOT = HERE.parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def dagster_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("dagster")
    bin_dir = subprocess.run([str(ROOT / "scripts" / "toolvenv"), "dagster"], check=True, capture_output=True,
                             text=True, timeout=900).stdout.strip()
    env = {"PATH": f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}", "HOME": str(work),
           "DAGSTER_HOME": str(work), "DAGSTER_DISABLE_TELEMETRY": "1"}
    (work / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    code = HERE / "project" / "shop_assets.py"
    done = subprocess.run([f"{bin_dir}/dagster", "job", "execute", "-f", str(code), "-j", "daily_job"], env=env,
                          cwd=work, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    port = free_port()
    log = work / "webserver.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([f"{bin_dir}/dagster-webserver", "-f", str(code), "-h", "127.0.0.1", "-p", str(port)],
                                env=env, cwd=work, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{url}/server_info", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            time.sleep(1)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def test_real_webserver_assets_runs_and_owners(dagster_url, store, now) -> None:
    with store.transaction() as conn:
        sync_teams(conn, [Team("finance", "#finance-data"), Team("data-platform", "#data-platform")])
    config = DagsterConfig(url=dagster_url, platform="duckdb", warehouse_user="DAGSTER_SVC")
    ctx = RunContext(store, Settings(), now)
    report = DagsterCollector(config, "dagster").collect(ctx)
    assert report.details["assets"] == 3 and report.details["runs"] == 1 and report.details["steps"] == 3
    daily = AssetKey.of("duckdb", "warehouse.marts.daily_revenue")
    with store.read() as conn:
        answer = lookup_owner(conn, "daily_revenue")
        raw = lookup_owner(conn, "warehouse.raw.orders")
        steps = runs_for_asset(conn, daily)
        ups = {str(e.upstream) for e in upstream_edges(conn, daily)}
    assert answer.owner.owner == "finance" and answer.slack_channel == "#finance-data"
    assert raw.owner.owner == "data-platform" and raw.asset.row_count == 3
    assert ups == {"duckdb://warehouse.raw.orders"}
    assert len(steps) == 1 and steps[0].status is RunStatus.SUCCESS and steps[0].rows_affected == 2
    assert DagsterCollector(config, "dagster").collect(ctx).rows_written == 0
