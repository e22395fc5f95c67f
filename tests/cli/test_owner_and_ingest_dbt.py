"""``observer ingest dbt`` and ``observer owner`` through the real CLI entry point."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from observer.cli import app

FIX = Path(__file__).resolve().parents[1] / "collectors" / "dbt" / "fixtures" / "duckdb"
runner = CliRunner()


def plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def setup_config(tmp_path: Path) -> Path:
    cfg = tmp_path / "observer.yaml"
    cfg.write_text(
        f"store: sqlite:///{tmp_path / 'o.db'}\n"
        "teams:\n  - name: finance\n    slack_channel: '#finance-data'\n"
        "ownership:\n  - match: '*.main_raw.*'\n    owner: finance\n"
    )
    return cfg


def ingest(cfg: Path, *extra: str):
    return runner.invoke(app, ["-c", str(cfg), "ingest", "dbt", "--manifest", str(FIX / "manifest.json"),
                               "--run-results", str(FIX / "runs" / "*" / "run_results.json"),
                               "--catalog", str(FIX / "catalog.json"), "--source", "shop", *extra])


def test_ingest_dbt_then_owner(tmp_path: Path) -> None:
    cfg = setup_config(tmp_path)
    first = ingest(cfg)
    assert first.exit_code == 0, first.output
    assert re.search(r"shop\s+ok\s+read\s+66\s+written\s+\d+", plain(first.output))
    again = ingest(cfg)
    assert re.search(r"written\s+0\s", plain(again.output)), again.output
    text = runner.invoke(app, ["-c", str(cfg), "owner", "ORDERS_DAILY"])
    assert text.exit_code == 0
    out = plain(text.output)
    assert "Owner:     finance" in out and "Slack:     #finance-data" in out
    assert "dbt group 'finance'" in out and "Last run:  dbt model.tiny_shop.orders_daily — success" in out
    assert "Upstream:  duckdb://tiny_shop.main_marts.fct_orders — finance (orchestrator)" in out
    raw = json.loads(runner.invoke(app, ["-c", str(cfg), "owner", "raw_orders", "--format", "json"]).output)
    assert raw["owner"]["source"] == "rule" and raw["owner"]["detail"] == "config rule '*.main_raw.*'"


def test_owner_ambiguous_and_unknown_exit_1(tmp_path: Path) -> None:
    cfg = setup_config(tmp_path)
    ingest(cfg)
    amb = runner.invoke(app, ["-c", str(cfg), "owner", "stg_%"])
    assert amb.exit_code == 1
    none = runner.invoke(app, ["-c", str(cfg), "owner", "nothing_here"])
    assert none.exit_code == 1 and "No table matches" in plain(none.output)


def test_ingest_dbt_without_artifacts_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["-c", str(setup_config(tmp_path)), "ingest", "dbt"])
    assert result.exit_code == 2
