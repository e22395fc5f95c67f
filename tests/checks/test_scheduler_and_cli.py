"""``observer check`` exit codes, and the scheduler: one active per store, jobs persisted, misfires run."""

from __future__ import annotations

import json
import pickle
import time
from datetime import UTC, datetime, timedelta

import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from observer.cli import app
from observer.config import load_config
from observer.scheduler import LEASE_TTL, Scheduler, job_specs
from observer.store import open_store
from observer.store.check_results import latest_results
from observer.store.leases import acquire_lease, lease_holder
from observer.store.tables import scheduler_jobs

runner = CliRunner()


def _config(tmp_path, warehouse, checks, store_url=None):
    path = tmp_path / "observer.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "store": store_url or f"sqlite:///{tmp_path / 'observer.db'}",
                "sources": [
                    {"type": "duckdb", "name": "warehouse", "path": str(warehouse), "platform": "snowflake"}
                ],
                "checks": checks,
            }
        )
    )
    return path


def test_check_verb_exits_1_on_findings_and_prints_json(tmp_path, warehouse):
    cfg = _config(
        tmp_path,
        warehouse,
        [
            {
                "type": "freshness",
                "name": "raw-freshness",
                "assets": "analytics.raw.*",
                "timestamp_column": "_loaded_at",
            }
        ],
    )
    result = runner.invoke(app, ["--config", str(cfg), "check", "--format", "json"])
    # run "now": every demo table is days old by the wall clock, so some are late → findings
    assert result.exit_code == 1, result.output
    body = json.loads(result.stdout)
    assert {r["asset"] for r in body["results"]} >= {"snowflake://analytics.raw.payments"}
    unknown = runner.invoke(app, ["--config", str(cfg), "check", "nope"])
    assert unknown.exit_code == 2 and "no check named nope" in unknown.stderr


def test_lease_is_held_by_one_and_passes_on_when_it_lapses(store, now):
    with store.transaction() as conn:
        assert acquire_lease(conn, "scheduler", "a", now, LEASE_TTL)
        assert not acquire_lease(conn, "scheduler", "b", now + timedelta(seconds=10), LEASE_TTL)
        assert acquire_lease(conn, "scheduler", "a", now + timedelta(seconds=20), LEASE_TTL)  # renewal
        assert lease_holder(conn, "scheduler", now + timedelta(seconds=30)) == "a"
        assert acquire_lease(conn, "scheduler", "b", now + timedelta(seconds=200), LEASE_TTL)  # a lapsed
        assert lease_holder(conn, "scheduler", now + timedelta(seconds=201)) == "b"


def test_two_schedulers_one_store_only_one_runs_jobs(tmp_path, warehouse):
    cfg = _config(
        tmp_path,
        warehouse,
        [
            {
                "type": "freshness",
                "name": "raw-freshness",
                "assets": "analytics.raw.*",
                "timestamp_column": "_loaded_at",
                "schedule": "*/5 * * * *",
            }
        ],
    )
    settings = load_config(cfg)
    assert [s.id for s in job_specs(settings)] == ["check:raw-freshness"]
    store_a, store_b = open_store(settings.store_url), open_store(settings.store_url)
    a = Scheduler(settings, store_a, config_path=cfg, holder="a", alerting_every=None)
    b = Scheduler(settings, store_b, config_path=cfg, holder="b", alerting_every=None)
    try:
        assert a.step() and a.active
        assert not b.step() and not b.active
        with store_a.read() as conn:
            assert [r.id for r in conn.execute(select(scheduler_jobs))] == ["check:raw-freshness"]
        a.stop()  # releases the lease
        assert b.step() and b.active
        assert "check:raw-freshness" in b.next_runs()
    finally:
        a.stop()
        b.stop()


def test_a_missed_run_runs_once_when_the_scheduler_comes_back(tmp_path, warehouse):
    cfg = _config(
        tmp_path,
        warehouse,
        [
            {
                "type": "freshness",
                "name": "raw-freshness",
                "assets": "analytics.raw.payments",
                "timestamp_column": "_loaded_at",
                "schedule": "0 3 * * *",
            }
        ],
    )
    settings = load_config(cfg)
    store = open_store(settings.store_url)
    first = Scheduler(settings, store, config_path=cfg, holder="first", alerting_every=None)
    first.step()
    first.stop()
    # the scheduler was down when the job was due: its persisted next run time lies in the past
    past = datetime.now(UTC) - timedelta(minutes=5)
    with store.transaction() as conn:
        row = conn.execute(select(scheduler_jobs)).one()
        state = pickle.loads(row.job_state)  # noqa: S301 - our own job store row
        state["next_run_time"] = past
        conn.execute(
            scheduler_jobs.update().values(job_state=pickle.dumps(state), next_run_time=past.timestamp())
        )
    again = Scheduler(settings, store, config_path=cfg, holder="again", alerting_every=None)
    try:
        again.step()
        deadline = time.monotonic() + 30
        results = []
        while time.monotonic() < deadline and not results:
            time.sleep(0.3)
            with store.read() as conn:
                results = latest_results(conn, check="raw-freshness")
        assert len(results) == 1 and results[0].asset.short_name == "payments"
        next_run = again.next_runs()["check:raw-freshness"]
        assert next_run is not None and next_run > datetime.now(UTC)
    finally:
        again.stop()
