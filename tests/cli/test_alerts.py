"""``observer alerts``: process and preview, list and act, deliver to Slack, dead letters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from observer.cli import app
from observer.model import AssetKey, CheckResult, CheckStatus, OwnerKind, Ownership, OwnershipSource, Team
from observer.store import open_store
from observer.store.check_results import record_check_results
from observer.store.ownership import set_claim, sync_teams
from tests.fakes.slack_server import TOKEN, FakeSlack

runner = CliRunner()
ORDERS = AssetKey("duckdb", "analytics.marts.fct_orders")


def plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    server = FakeSlack(strict_channels=True).start()
    server.add_channel("#finance-data")
    yield server
    server.stop()


@pytest.fixture
def config(tmp_path: Path, slack: FakeSlack) -> Path:
    db = tmp_path / "observer.db"
    store = open_store(f"sqlite:///{db}")
    now = datetime.now(UTC)
    with store.transaction() as conn:
        sync_teams(conn, [Team("finance", "#finance-data"), Team("growth", "#growth-nowhere")])
        set_claim(
            conn,
            Ownership(ORDERS, "finance", OwnerKind.TEAM, OwnershipSource.RULE, "rule", "config", "finance"),
            now,
        )
        record_check_results(
            conn,
            [
                CheckResult(
                    "freshness",
                    "freshness",
                    ORDERS,
                    CheckStatus.FAIL,
                    now,
                    "no load for 30 hours",
                    run_key="1",
                )
            ],
        )
    store.dispose()
    path = tmp_path / "observer.yaml"
    path.write_text(
        yaml.safe_dump(
            {"store": f"sqlite:///{db}", "alerting": {"slack": {"token": TOKEN, "base_url": slack.api_url}}}
        )
    )
    return path


def run(config: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--config", str(config), "alerts", *args])
    return result.exit_code, plain(result.output)


def test_process_in_a_dry_run_prints_and_sends_nothing(config: Path, slack: FakeSlack) -> None:
    code, out = run(config, "process")  # alerting.dry_run defaults to true
    assert code == 0, out
    assert (
        "checks: 1 signals · 1 opened" in out
        and "post to #finance-data" in out
        and "fct_orders is late" in out
    )
    assert "dry run: 1 queued message(s)" in out and slack.requests == []
    code, out = run(config, "list")
    assert code == 0 and "fct_orders" in out and "finance" in out and "1 of 1" in out


def test_deliver_sends_acts_and_reports_dead_letters(config: Path, slack: FakeSlack) -> None:
    assert run(config, "process", "--no-deliver")[0] == 0
    code, out = run(config, "deliver", "--send")
    assert code == 0 and "delivery: 1 sent" in out, out
    [posted] = slack.messages("#finance-data")
    assert posted["text"].startswith("[medium] fct_orders is late") and slack.violations == []
    code, out = run(config, "ack", "1")
    assert code == 0 and "incident 1: acknowledged" in out
    code, out = run(config, "deliver", "--send")
    assert "delivery: 2 sent" in out  # the edit and the thread reply
    assert slack.messages("#finance-data")[0]["edited"] == 1
    # a team whose channel does not exist: the message goes to dead letters, exit code 1
    with open_store(yaml.safe_load(config.read_text())["store"]).transaction() as conn:
        set_claim(
            conn,
            Ownership(
                AssetKey("duckdb", "analytics.web.events"),
                "growth",
                OwnerKind.TEAM,
                OwnershipSource.RULE,
                "r",
                "config",
                "growth",
            ),
            datetime.now(UTC),
        )
        record_check_results(
            conn,
            [
                CheckResult(
                    "volume",
                    "volume",
                    AssetKey("duckdb", "analytics.web.events"),
                    CheckStatus.FAIL,
                    datetime.now(UTC),
                    "70% short",
                    run_key="2",
                )
            ],
        )
    run(config, "process", "--no-deliver")
    code, out = run(config, "deliver", "--send")
    assert code == 1 and "1 dead" in out and "channel_not_found" in out
    code, out = run(config, "outbox", "--state", "dead")
    assert code == 0 and "#growth-nowhere" in out and "dead 1" in out
    slack.add_channel("#growth-nowhere")
    dead_id = re.search(r"#(\d+) dead slack:#growth-nowhere post", out)
    assert dead_id is not None
    assert run(config, "requeue", dead_id.group(1))[0] == 0
    assert "delivery: 1 sent" in run(config, "deliver", "--send")[1]
    assert run(config, "requeue", dead_id.group(1))[0] == 1  # no longer dead
