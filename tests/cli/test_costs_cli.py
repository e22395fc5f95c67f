"""``observer ingest snowflake`` → ``observer costs`` / ``costs diff`` through the real CLI entry point.

Two months of a small account: in February the growth dashboard costs one credit; in March the
REPORTING warehouse serves it four times as often at four credits an hour and idles an extra hour.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from observer.cli import app
from tests.collectors.snowflake.exports import two_month_account

runner = CliRunner()


def plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def build(tmp_path: Path) -> Path:
    two_month_account(tmp_path)
    cfg = tmp_path / "observer.yaml"
    cfg.write_text(
        f"store: sqlite:///{tmp_path / 'o.db'}\n"
        "pricing: {snowflake_credit_usd: 3.0}\n"
        "teams:\n  - name: growth\n    members: [ALICE]\n  - name: data-platform\n    members: [HUGO]\n"
        "ownership:\n  - match: 'analytics.marts.fct_orders'\n    owner: data-platform\n"
    )
    return cfg


def cli(cfg: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["-c", str(cfg), *args])


def ingest(cfg: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    return cli(cfg, "ingest", "snowflake", "--query-history", str(tmp_path / "qh.csv"), "--metering", str(tmp_path / "wmh.csv"))


def test_ingest_then_costs_by_team_in_every_format(tmp_path: Path) -> None:
    cfg = build(tmp_path)
    first = ingest(cfg, tmp_path)
    assert first.exit_code == 0, first.output
    assert re.search(r"snowflake\s+ok\s+read\s+60\s+written\s+52", plain(first.output)), first.output
    again = ingest(cfg, tmp_path)
    assert re.search(r"written\s+0\s", plain(again.output)), again.output

    result = cli(cfg, "costs", "--month", "2026-03", "--by", "team", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [
        {"key": "growth", "credits": 16.0, "cost_usd": 48.0, "queries": 40},
        {"key": "idle:REPORTING", "credits": 2.0, "cost_usd": 6.0, "queries": 0},
        {"key": "data-platform", "credits": 1.0, "cost_usd": 3.0, "queries": 1},
    ]
    by_asset = json.loads(cli(cfg, "costs", "--month", "2026-03", "--by", "asset", "--format", "json").output)
    assert [r["key"] for r in by_asset] == [
        "snowflake://analytics.marts.growth_live", "idle:REPORTING", "snowflake://analytics.marts.fct_orders",
    ]
    rows = list(csv.reader(io.StringIO(cli(cfg, "costs", "--month", "2026-03", "--by", "warehouse", "--format", "csv").output)))
    assert rows == [
        ["key", "credits", "cost_usd", "queries"],
        ["REPORTING", "16.0", "48.0", "40"],
        ["idle:REPORTING", "2.0", "6.0", "0"],
        ["TRANSFORMING", "1.0", "3.0", "1"],
    ]
    table = plain(cli(cfg, "costs", "--month", "2026-03", "--by", "owner").output)
    assert re.search(r"unattributed\s+│\s+16\.00\s+│\s+\$48\.00\s+│\s+40\s+│\s+84\.2%", table), table
    assert re.search(r"data-platform\s+│\s+1\.00\s+│\s+\$3\.00", table)
    assert re.search(r"total\s+│\s+19\.00\s+│\s+\$57\.00\s+│\s+41", table)


def test_costs_diff_finds_the_move_and_the_queries_behind_it(tmp_path: Path) -> None:
    cfg = build(tmp_path)
    ingest(cfg, tmp_path)
    result = cli(cfg, "costs", "diff", "--month", "2026-03", "--format", "json")
    assert result.exit_code == 0, result.output
    diff = json.loads(result.output)
    assert (diff["previous"], diff["before_usd"], diff["after_usd"]) == ("2026-02", 6.0, 57.0)
    team = diff["movers"]["team"][0]
    assert (team["key"], team["before_usd"], team["after_usd"], team["delta_usd"]) == ("growth", 3.0, 48.0, 45.0)
    shape = team["queries"][0]
    assert (shape["queries_before"], shape["queries_after"], shape["user"], shape["team"], shape["rule"]) == (
        10, 40, "ALICE", "growth", "reader_team",
    )
    assert "growth_live" in shape["sample_text"]
    assert diff["movers"]["warehouse"][0]["key"] == "REPORTING"
    assert any(m["key"] == "idle:REPORTING" and m["delta_usd"] == 6.0 for m in diff["movers"]["warehouse"])
    assert diff["movers"]["fingerprint"][0]["queries"][0]["fingerprint"] == shape["fingerprint"]
    text = plain(cli(cfg, "costs", "diff", "--month", "2026-03").output)
    assert "Spend 2026-03: $57.00 vs 2026-02: $6.00 — +$51.00 (9.5×)" in text
    assert "behind growth:" in text and "10 → 40 runs" in text


def test_bad_month_and_grouping_are_usage_errors(tmp_path: Path) -> None:
    cfg = build(tmp_path)
    assert cli(cfg, "costs", "--month", "March").exit_code == 2
    assert cli(cfg, "costs", "--month", "2026-03", "--by", "colour").exit_code == 2
    assert cli(cfg, "costs", "diff", "--month", "2026-13").exit_code == 2


def test_refresh_reattributes_after_an_ownership_change(tmp_path: Path) -> None:
    cfg = build(tmp_path)
    ingest(cfg, tmp_path)
    owners = lambda: {r["key"]: r["cost_usd"] for r in json.loads(cli(cfg, "costs", "--month", "2026-03", "--by", "owner", "--format", "json").output)}  # noqa: E731
    assert owners()["data-platform"] == 3.0
    cfg.write_text(cfg.read_text().replace("owner: data-platform", "owner: growth"))
    result = cli(cfg, "costs", "refresh")
    assert result.exit_code == 0, result.output
    assert re.search(r"snowflake\s+2 queries re-attributed\n2 days re-costed", plain(result.output)), result.output
    assert owners() == {"unattributed": 48.0, "idle:REPORTING": 6.0, "growth": 3.0}
    assert plain(cli(cfg, "costs", "refresh").output) == "0 days re-costed\n"  # nothing changed since


def test_ingest_bigquery_jobs_then_costs_by_user(tmp_path: Path) -> None:
    jobs = Path(__file__).resolve().parents[1] / "collectors" / "bigquery" / "fixtures" / "jobs.jsonl"
    cfg = tmp_path / "observer.yaml"
    cfg.write_text(f"store: sqlite:///{tmp_path / 'o.db'}\npricing: {{bigquery_tib_usd: 5.0}}\n")
    result = cli(cfg, "ingest", "bigquery", "--jobs", str(jobs), "--source", "bq")
    assert result.exit_code == 0, result.output
    assert re.search(r"bq\s+partial\s+read\s+7\s+written\s+5\s+bad\s+1", plain(result.output)), result.output
    assert "jobs.jsonl:7 [CREATION_TIME]: missing timestamp" in plain(result.output)
    users = json.loads(cli(cfg, "costs", "--month", "2026-03", "--by", "user", "--format", "json").output)
    assert users[0] == {"key": "alice@acme.example", "credits": pytest.approx(2.0, abs=1e-4), "cost_usd": 10.0, "queries": 2}
