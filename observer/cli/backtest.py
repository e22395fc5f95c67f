"""``observer backtest volume``: replay a series through the volume model, point by point.

Input: a CSV with the header ``timestamp,value`` (ISO 8601 timestamps; without a zone, UTC). Output
(``--format json``): a JSON array with one object per input row, in input order::

    {"timestamp": "<as given>", "value": 1234, "expected_low": 980.5, "expected_high": 1410.2, "anomaly": false}

Each point is judged only on the points before it in time; bounds are null and ``anomaly`` false while
the history is too short (two weeks). The exit code is 0 whether or not anomalies were found, unless
``--fail-on-anomaly`` is given.
"""

from __future__ import annotations

import csv
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from checks.anomaly import Sensitivity, detect
from observer.cli.common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, console, fail, out
from observer.errors import InputError

backtest_app = typer.Typer(help="Replay history through a check's model to see what it would have flagged.")


def read_series(path: Path) -> list[tuple[str, datetime, float]]:
    """Rows of a ``timestamp,value`` CSV; a bad row raises :class:`InputError` naming file, line and field."""
    rows: list[tuple[str, datetime, float]] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or [h.strip().lower() for h in header] != ["timestamp", "value"]:
            raise InputError(
                f"expected the header timestamp,value (got {','.join(header or [])!r})",
                file=str(path),
                line=1,
            )
        for line, row in enumerate(reader, start=2):
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != 2:
                raise InputError(f"expected 2 fields, got {len(row)}", file=str(path), line=line)
            text, raw = row[0].strip(), row[1].strip()
            try:
                when = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise InputError(
                    f"not an ISO 8601 timestamp: {text!r}", file=str(path), line=line, field="timestamp"
                ) from None
            when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
            try:
                value = float(raw)
            except ValueError:
                raise InputError(f"not a number: {raw!r}", file=str(path), line=line, field="value") from None
            if not math.isfinite(value):
                raise InputError(f"not a finite number: {raw!r}", file=str(path), line=line, field="value")
            rows.append((text, when, value))
    return rows


def backtest_rows(rows: list[tuple[str, datetime, float]], sensitivity: Sensitivity) -> list[dict[str, Any]]:
    """Judge every row on the rows before it in time; the output follows the input order."""
    order = sorted(range(len(rows)), key=lambda i: rows[i][1])
    judged, _ = detect([(rows[i][1], rows[i][2]) for i in order], sensitivity)
    out_rows: list[dict[str, Any]] = [{} for _ in rows]
    for position, i in enumerate(order):
        j = judged[position]
        value: float | int = int(j.value) if float(j.value).is_integer() else j.value
        out_rows[i] = {
            "timestamp": rows[i][0],
            "value": value,
            "expected_low": None if j.expected_low is None else round(j.expected_low, 3),
            "expected_high": None if j.expected_high is None else round(j.expected_high, 3),
            "anomaly": j.anomaly,
        }
    return out_rows


@backtest_app.command("volume")
def volume(
    input: Annotated[
        Path,
        typer.Option("--input", "-i", help="CSV with header timestamp,value.", exists=True, dir_okay=False),
    ],
    sensitivity: Annotated[Sensitivity, typer.Option(help="low, medium or high.")] = Sensitivity.MEDIUM,
    output: Annotated[str, typer.Option("--format", "-f", help="json or table")] = "json",
    fail_on_anomaly: Annotated[
        bool, typer.Option("--fail-on-anomaly", help="Exit 1 when any point is an anomaly.")
    ] = False,
) -> None:
    """Judge each point of a volume series on the points before it, as the volume check would."""
    if output not in ("json", "table"):
        fail(f"--format must be json or table, not {output!r}", EXIT_USAGE)
    try:
        rows = read_series(input)
    except InputError as exc:
        fail(str(exc), EXIT_USAGE)
    result = backtest_rows(rows, sensitivity)
    if output == "json":
        print(json.dumps(result))
    else:
        for r in result:
            band = (
                "—" if r["expected_low"] is None else f"{r['expected_low']:,.1f} – {r['expected_high']:,.1f}"
            )
            flag = "[red]anomaly[/red]" if r["anomaly"] else ""
            out.print(f"{r['timestamp']:<28} {r['value']:>14,}   {band:<30} {flag}")
    anomalies = sum(1 for r in result if r["anomaly"])
    console.print(f"{len(result)} points, {anomalies} anomalies")
    raise typer.Exit(EXIT_FINDINGS if fail_on_anomaly and anomalies else EXIT_OK)


def register(app: typer.Typer) -> None:
    app.add_typer(backtest_app, name="backtest")
