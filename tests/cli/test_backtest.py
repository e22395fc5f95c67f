"""``observer backtest volume``: the JSON contract others script against, and bad input."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from observer.cli import app

runner = CliRunner()


def _series(path: Path, days: int = 40, drop_at: int | None = 30, shuffle: bool = False) -> list[str]:
    rng = random.Random(3)
    start = datetime(2026, 2, 2, 4, 10)
    rows = []
    for d in range(days):
        value = round(1000 * rng.uniform(0.95, 1.05))
        if d == drop_at:
            value = 250
        rows.append(f"{(start + timedelta(days=d)).isoformat()},{value}")
    ordered = list(rows)
    if shuffle:
        rng.shuffle(rows)
    path.write_text("timestamp,value\n" + "\n".join(rows) + "\n")
    return ordered if not shuffle else rows


def test_json_contract_one_object_per_row(tmp_path):
    path = tmp_path / "series.csv"
    _series(path)
    result = runner.invoke(
        app, ["backtest", "volume", "--input", str(path), "--sensitivity", "medium", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 40
    assert all(set(r) == {"timestamp", "value", "expected_low", "expected_high", "anomaly"} for r in rows)
    assert rows[0] == {
        "timestamp": "2026-02-02T04:10:00",
        "value": rows[0]["value"],
        "expected_low": None,
        "expected_high": None,
        "anomaly": False,
    }
    assert [i for i, r in enumerate(rows) if r["anomaly"]] == [30]
    assert rows[30]["expected_low"] > 250 and rows[31]["expected_low"] is not None


def test_rows_out_of_order_are_judged_in_time_and_printed_in_input_order(tmp_path):
    path = tmp_path / "shuffled.csv"
    shuffled = _series(path, shuffle=True)
    result = runner.invoke(app, ["backtest", "volume", "--input", str(path)])
    rows = json.loads(result.stdout)
    assert [r["timestamp"] for r in rows] == [line.split(",")[0] for line in shuffled]
    flagged = [r for r in rows if r["anomaly"]]
    assert len(flagged) == 1 and flagged[0]["value"] == 250


def test_fail_on_anomaly_sets_the_exit_code(tmp_path):
    path = tmp_path / "series.csv"
    _series(path)
    result = runner.invoke(app, ["backtest", "volume", "--input", str(path), "--fail-on-anomaly"])
    assert result.exit_code == 1


def test_bad_rows_name_the_file_line_and_field(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("timestamp,value\n2026-01-01T00:00:00,10\n2026-01-02T00:00:00,ten\n")
    result = runner.invoke(app, ["backtest", "volume", "--input", str(path)])
    assert result.exit_code == 2
    assert "bad.csv:3 [value]: not a number: 'ten'" in result.stderr
    path.write_text("ts,v\n")
    result = runner.invoke(app, ["backtest", "volume", "--input", str(path)])
    assert result.exit_code == 2 and "timestamp,value" in result.stderr


def test_zone_aware_timestamps_are_accepted(tmp_path):
    path = tmp_path / "z.csv"
    start = datetime(2026, 2, 2, tzinfo=UTC)
    path.write_text(
        "timestamp,value\n"
        + "\n".join(
            f"{(start + timedelta(days=d)).isoformat().replace('+00:00', 'Z')},100" for d in range(20)
        )
        + "\n"
    )
    rows = json.loads(runner.invoke(app, ["backtest", "volume", "--input", str(path)]).stdout)
    assert rows[-1]["expected_low"] is not None and not any(r["anomaly"] for r in rows)
