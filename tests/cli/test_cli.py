from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from observer.cli import app

runner = CliRunner()


def plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_help_lists_verbs() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for verb in ("init", "demo", "serve", "ingest", "db"):
        assert verb in plain(result.output)


def test_every_verb_has_help() -> None:
    import typer.main

    group = typer.main.get_command(app)
    for name in group.list_commands(None):  # type: ignore[arg-type]
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Usage" in plain(result.output)


def test_init_then_refuse_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "observer.yaml"
    assert runner.invoke(app, ["init", str(target)]).exit_code == 0
    assert "store:" in target.read_text()
    again = runner.invoke(app, ["init", str(target)])
    assert again.exit_code == 2
    assert "already exists" in plain(again.output)


@pytest.mark.parametrize(
    ("text", "needle"),
    [("server:\n  port: nope\n", "server.port"), ("sources:\n  - {type: snowflake, password: '${MISSING_PW}'}\n", "MISSING_PW")],
)
def test_bad_config_exits_2_with_key(tmp_path: Path, text: str, needle: str) -> None:
    cfg = tmp_path / "observer.yaml"
    cfg.write_text(text)
    result = runner.invoke(app, ["-c", str(cfg), "db", "current"], env={"OBSERVER_CONFIG": ""})
    assert result.exit_code == 2
    assert needle in plain(result.output)
    assert len(plain(result.output).strip().splitlines()) == 1


def test_secret_not_echoed_on_store_error(tmp_path: Path) -> None:
    cfg = tmp_path / "observer.yaml"
    cfg.write_text("store: postgresql://u:topsecretpw@127.0.0.1:1/none\n")
    result = runner.invoke(app, ["-c", str(cfg), "ingest"])
    assert result.exit_code == 2
    assert "topsecretpw" not in result.output


def test_ingest_unknown_source_type_lists_known(tmp_path: Path) -> None:
    cfg = tmp_path / "observer.yaml"
    cfg.write_text("sources:\n  - {type: nosuchthing}\n")
    result = runner.invoke(app, ["-c", str(cfg), "ingest"])
    assert result.exit_code == 2
    assert "unknown collector 'nosuchthing'; known:" in plain(result.output)


def test_db_upgrade_downgrade(tmp_path: Path) -> None:
    cfg = tmp_path / "observer.yaml"
    cfg.write_text("store: sqlite:///o.db\n")
    assert runner.invoke(app, ["-c", str(cfg), "db", "upgrade"]).exit_code == 0
    assert (tmp_path / "o.db").exists()
    down = runner.invoke(app, ["-c", str(cfg), "db", "downgrade", "base"])
    assert down.exit_code == 0 and "base" in down.output
