"""``observer check``: run the configured checks now and print their results."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.progress import TaskID

from observer.checking import run_checks
from observer.cli.common import EXIT_FINDINGS, EXIT_OK, errors_as_exit, out, progress_bar, state
from observer.model import CheckStatus

_STYLE = {
    CheckStatus.PASS: "green",
    CheckStatus.WARN: "yellow",
    CheckStatus.FAIL: "red",
    CheckStatus.ERROR: "magenta",
    CheckStatus.SKIPPED: "dim",
}


def check(
    ctx: typer.Context,
    name: Annotated[
        list[str] | None, typer.Argument(help="Only these checks (name or type); default: all.")
    ] = None,
    output: Annotated[str, typer.Option("--format", "-f", help="table or json")] = "table",
    show_passing: Annotated[
        bool, typer.Option("--all", help="Also list passing and skipped results.")
    ] = False,
) -> None:
    """Run the checks in observer.yaml against the warehouse and store the results.

    Exit code 1 when a check fails or could not run (an error is never a pass), 0 when all pass.
    """
    st = state(ctx)
    settings, store = st.settings(), st.store()
    with errors_as_exit(), progress_bar() as bar:
        tasks: dict[str, TaskID] = {}

        def progress(check_name: str, done: int, total: int | None) -> None:
            if check_name not in tasks:
                tasks[check_name] = bar.add_task(check_name, total=total)
            bar.update(tasks[check_name], completed=done, total=total)

        run = run_checks(settings, store, datetime.now(UTC), only=name or None, progress=progress)
    if output == "json":
        out.print_json(
            json.dumps(
                {
                    "results": [
                        {
                            "check": r.check,
                            "type": r.check_type,
                            "asset": str(r.asset),
                            "status": r.status.value,
                            "severity": r.severity.value,
                            "message": r.message,
                            "observed": r.observed,
                            "expected": r.expected,
                            "evaluated_at": r.evaluated_at.isoformat(),
                        }
                        for r in run.results
                    ],
                    "errors": [{"check": e.check, "message": e.message} for e in run.errors],
                    "stored": run.stored,
                },
                default=str,
            )
        )
    else:
        shown = [
            r for r in run.results if show_passing or r.status not in (CheckStatus.PASS, CheckStatus.SKIPPED)
        ]
        for r in sorted(
            shown,
            key=lambda r: (
                r.status != CheckStatus.ERROR,
                r.status != CheckStatus.FAIL,
                r.check,
                str(r.asset),
            ),
        ):
            style = _STYLE[r.status]
            out.print(f"[{style}]{r.status.value:<7}[/{style}] {r.check:<28} {r.asset}  ", end="")
            out.print(r.message, markup=False)
        for e in run.errors:
            out.print(f"[magenta]error[/magenta]   {e.check}: ", end="")
            out.print(e.message, markup=False)
        counts = {s: sum(1 for r in run.results if r.status == s) for s in CheckStatus}
        summary = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
        out.print(f"{len(run.results)} results ({summary or 'none'}); {run.stored} new")
    raise typer.Exit(EXIT_FINDINGS if run.failed else EXIT_OK)


def register(app: typer.Typer) -> None:
    app.command(name="check")(check)
