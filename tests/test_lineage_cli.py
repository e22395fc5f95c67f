"""``observer lineage`` and the public ``observer.lineage`` contract."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from observer.cli import app
from observer.lineage import LineageResult, extract_lineage

runner = CliRunner()


def test_public_contract_types() -> None:
    r = extract_lineage("CREATE TABLE Mart.T AS SELECT S.A AS x FROM Raw.S", "snowflake")
    assert isinstance(r, LineageResult)
    assert r.sources == {"raw.s"} and r.targets == {"mart.t"}
    assert r.column_lineage == {("raw.s.a", "mart.t.x")}
    assert r.statement_types == ("CREATE TABLE AS",) and r.error is None


def test_schema_expands_star_and_resolves_columns() -> None:
    schema = {"raw.a": ["id", "x"], "raw.b": ["id", "y"]}
    r = extract_lineage("INSERT INTO t SELECT a.*, y FROM raw.a a JOIN raw.b b USING (id)", None, schema)
    assert r.column_lineage == {("raw.a.id", "t.id"), ("raw.a.x", "t.x"), ("raw.b.y", "t.y")}


def test_cli_prints_json_for_a_file(tmp_path: Path) -> None:
    sql = tmp_path / "model.sql"
    sql.write_text("INSERT INTO mart.t (a) SELECT x FROM raw.s;\nDROP TABLE old.u;")
    result = runner.invoke(app, ["lineage", "--dialect", "postgres", str(sql)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "sources": ["raw.s"],
        "targets": ["mart.t", "old.u"],
        "columns": [["raw.s.x", "mart.t.a"]],
    }


def test_cli_reads_stdin_and_a_yaml_schema(tmp_path: Path) -> None:
    schema = tmp_path / "schema.yml"
    schema.write_text("raw.s:\n  - id\n  - amount\n")
    result = runner.invoke(app, ["lineage", "--schema", str(schema), "-"], input="CREATE VIEW v AS SELECT * FROM raw.s")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["columns"] == [["raw.s.amount", "v.amount"], ["raw.s.id", "v.id"]]


def test_cli_reports_unparseable_sql_with_exit_1() -> None:
    result = runner.invoke(app, ["lineage", "-"], input="INSERT INTO t SELECT a FROM s; SELECT FROM WHERE;")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["targets"] == ["t"]
    assert "error:" in result.stderr


def test_cli_rejects_a_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["lineage", str(tmp_path / "nope.sql")])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr
