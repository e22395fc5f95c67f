"""``observer lineage``: print what a SQL file or script reads and writes, as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from observer.cli.common import EXIT_FINDINGS, EXIT_USAGE, fail, out
from observer.lineage import extract_lineage


def read_schema(path: Path) -> dict[str, Any]:
    """A schema file: JSON or YAML mapping table → column names (list) or {column: type}."""
    try:
        text = path.read_text()
    except OSError as exc:
        fail(f"{path}: cannot read the schema file: {exc.strerror}", EXIT_USAGE)
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        fail(f"{path}: not a JSON/YAML mapping: {str(exc).splitlines()[0]}", EXIT_USAGE)
    if not isinstance(data, dict):
        fail(f"{path}: the schema must map table names to column lists", EXIT_USAGE)
    return data


def lineage(
    source: Annotated[str, typer.Argument(help="SQL file to read, or - for standard input.", metavar="FILE|-")],
    dialect: Annotated[
        str | None,
        typer.Option("--dialect", "-d", help="sqlglot dialect: snowflake, bigquery, postgres, redshift, duckdb, "
                     "databricks, spark, hive, mysql, tsql, trino … (default: generic SQL)."),
    ] = None,
    schema: Annotated[
        Path | None,
        typer.Option("--schema", "-s", help="JSON or YAML file mapping table → columns, to expand * and resolve "
                     "unqualified columns."),
    ] = None,
) -> None:
    """Print the tables a SQL file reads and writes and its column lineage as JSON.

    Output: {"sources": [...], "targets": [...], "columns": [[src_table.col, tgt_table.col], ...]}.
    Multi-statement scripts are one result (temp tables are read through). What could not be
    parsed is reported on stderr and the exit code is 1; the lineage of the rest is still printed.
    """
    if source == "-":
        sql = sys.stdin.read()
    else:
        try:
            sql = Path(source).read_text()
        except OSError as exc:
            fail(f"{source}: cannot read: {exc.strerror}", EXIT_USAGE)
    mapping = read_schema(schema) if schema is not None else None
    result = extract_lineage(sql, dialect, mapping)
    out.print(json.dumps(result.to_json(), indent=2), markup=False, highlight=False)
    for warning in result.warnings:
        typer.secho(f"warning: {warning}", fg="yellow", err=True)
    if result.error:
        fail(result.error, EXIT_FINDINGS)


def register(app: typer.Typer) -> None:
    app.command("lineage")(lineage)
