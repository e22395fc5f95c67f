"""Against a real Airflow: ``airflow standalone`` (3.3.2, SQLite metadata DB, its own virtualenv from
scripts/toolvenv) runs tests/collectors/airflow/dags/shop_daily.py, whose SQL tasks write to the real
PostgreSQL; Airflow's OpenLineage provider posts its events to a real Observer server; then the
collector reads DAGs, runs and task instances over REST API v2.

One module, one Airflow start (the slow part: ~1.5 min on 2 busy cores); every wait is bounded.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, text

from collectors.airflow import AirflowCollector, AirflowConfig
from observer.api.app import create_app
from observer.catalog.owner_lookup import lookup_owner
from observer.config import Settings
from observer.model import AssetKey, Person, RunStatus, Team
from observer.plugins import RunContext
from observer.store import Store, open_store
from observer.store.engine import normalize_url
from observer.store.lineage import upstream_edges
from observer.store.ownership import sync_teams, upsert_people
from observer.store.runs import get_run, runs_for_asset
from observer.store.tokens import Role, create_token

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.xdist_group("airflow")]

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
NOW = datetime.fromisoformat("2026-11-20T12:00:00+00:00")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(what: str, check, timeout: float, log: Path | None = None):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except (httpx.HTTPError, KeyError, IndexError, ValueError) as exc:
            last = exc
        time.sleep(2)
    tail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})\n{tail}")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, pg_url: str) -> Iterator[dict]:
    work = tmp_path_factory.mktemp("airflow")
    bin_dir = subprocess.run([str(ROOT / "scripts" / "toolvenv"), "airflow"], check=True, capture_output=True,
                             text=True, timeout=900).stdout.strip()
    # the warehouse the DAG writes to: a fresh database on the real PostgreSQL
    db = f"af_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalize_url(pg_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    warehouse_url = f"{pg_url.rsplit('/', 1)[0]}/{db}"
    # Observer: a store and a real HTTP server receiving Airflow's OpenLineage events
    store = open_store(f"sqlite:///{work / 'observer.db'}")
    with store.transaction() as conn:
        _, token = create_token(conn, "airflow-openlineage", Role.EDITOR, NOW)
        sync_teams(conn, [Team("finance", "#finance-data")])
        upsert_people(conn, [Person("carol", "carol@shop.example", "Carol", "finance")])
    obs_port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(Settings(), store, clock=lambda: NOW), host="127.0.0.1",
                                           port=obs_port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for("Observer server", lambda: server.started, 30)
    # Airflow
    af_port = free_port()
    home = work / "airflow_home"
    home.mkdir()
    env = {
        "PATH": f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(work),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(HERE / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__API__PORT": str(af_port),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{af_port}/execution/",
        "AIRFLOW_CONN_WAREHOUSE": warehouse_url,
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "airflow-test",
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps({
            "type": "http", "url": f"http://127.0.0.1:{obs_port}", "endpoint": "api/v1/lineage",
            "auth": {"type": "api_key", "apiKey": token},
        }),
    }
    log = work / "standalone.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([f"{bin_dir}/airflow", "standalone"], cwd=home, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{af_port}"
    try:
        http = httpx.Client(base_url=base, timeout=10)
        wait_for("Airflow API", lambda: http.get("/api/v2/version").status_code == 200, 300, log)
        auth = {"Authorization": f"Bearer {http.get('/auth/token').json()['access_token']}"}
        wait_for("the DAG to be parsed",
                 lambda: http.get("/api/v2/dags", headers=auth).json()["total_entries"] >= 1, 120, log)
        created = http.post("/api/v2/dags/shop_daily/dagRuns", headers=auth, json={"logical_date": None})
        assert created.status_code in (200, 201), created.text
        run_id = created.json()["dag_run_id"]
        state = wait_for(
            "the DAG run to finish",
            lambda: (s := http.get(f"/api/v2/dags/shop_daily/dagRuns/{run_id}", headers=auth).json()["state"])
            in ("success", "failed") and s,
            240, log,
        )
        assert state == "success", log.read_text(errors="replace")[-4000:]
        # the provider posts COMPLETE after the task finishes: wait for the rollup's lineage to arrive
        daily = AssetKey.of("postgres", f"{db}.public.orders_daily")

        def rollup_lineage() -> bool:
            with store.read() as conn:
                return bool(upstream_edges(conn, daily))

        wait_for("OpenLineage events", rollup_lineage, 60, log)
        yield {"base": base, "store": store, "db": db, "dag_run_id": run_id, "warehouse_url": warehouse_url}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        server.should_exit = True
        thread.join(timeout=10)
        store.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()


def collect(world: dict) -> object:
    store: Store = world["store"]
    config = AirflowConfig(base_url=world["base"], warehouse_user="observer")
    return AirflowCollector(config, "airflow").collect(RunContext(store, Settings(), NOW))


def test_dag_ran_for_real_and_wrote_postgres(world) -> None:
    engine = create_engine(normalize_url(world["warehouse_url"]))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT ordered_on, orders FROM public.orders_daily ORDER BY 1")).all()
    engine.dispose()
    assert [r.orders for r in rows] == [2, 1]


def test_collector_reads_dags_runs_and_task_instances(world) -> None:
    report = collect(world)
    assert report.rows_bad == 0 and report.details["dags"] == 1 and report.details["task_instances"] >= 2
    store: Store = world["store"]
    db, run_id = world["db"], world["dag_run_id"]
    with store.read() as conn:
        ti = get_run(conn, "airflow", f"shop_daily/{run_id}/build_daily")
        dag_run = get_run(conn, "airflow", f"shop_daily/{run_id}")
        daily = lookup_owner(conn, f"{db}.public.orders_daily")
        writers = runs_for_asset(conn, AssetKey.of("postgres", f"{db}.public.orders_daily"))
    assert dag_run.status is RunStatus.SUCCESS and dag_run.attributes["run_type"] == "manual"
    assert ti.status is RunStatus.SUCCESS and ti.start_time <= ti.end_time
    assert ti.asset == AssetKey.of("postgres", f"{db}.public.orders_daily")  # from Airflow's OpenLineage event
    assert {r.source for r in writers} == {"airflow", "openlineage"}
    assert daily.owner.owner == "carol" and daily.owner.team == "finance" and daily.slack_channel == "#finance-data"
    assert [str(u.asset) for u in daily.upstream] == [f"postgres://{db}.public.orders_raw"]
    assert collect(world).rows_written == 0  # again: nothing changes


def test_column_lineage_from_airflow_sql(world) -> None:
    store: Store = world["store"]
    with store.read() as conn:
        cols = {(e.upstream_column, e.downstream_column)
                for e in upstream_edges(conn, AssetKey.of("postgres", f"{world['db']}.public.orders_daily"), columns=True)}
    assert ("ordered_on", "ordered_on") in cols and ("amount", "revenue") in cols
