"""``observer ingest``: run the configured collectors (or one source) incrementally."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import TaskID

from observer.cli.common import EXIT_FINDINGS, errors_as_exit, out, progress_bar, state
from observer.ingest import SourceOutcome, run_ingest

ingest_app = typer.Typer(
    help="Collect from sources: all configured ones, or one source's export files.",
    invoke_without_command=True,
)


def print_outcomes(outcomes: list[SourceOutcome]) -> int:
    code = 0
    for o in outcomes:
        r = o.report
        status = "[red]failed[/red]" if o.error else ("[yellow]partial[/yellow]" if r.rows_bad else "[green]ok[/green]")
        out.print(
            f"{o.source:<24} {status:<20} read {r.rows_read:>9,}  written {r.rows_written:>9,}  bad {r.rows_bad:>6,}"
        )
        if o.error:
            out.print(f"  {o.error}", markup=False)
            code = EXIT_FINDINGS
        for err in r.errors[:10]:
            out.print(f"  {err}", markup=False)
        if len(r.errors) > 10:
            out.print(f"  … {r.rows_bad - 10:,} more bad rows (see the ingest log in the UI or API)")
    return code


@ingest_app.callback()
def ingest(
    ctx: typer.Context,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source (name or type); repeatable.")
    ] = None,
) -> None:
    """Run every source in observer.yaml from its last watermark. Safe to re-run: nothing is duplicated."""
    if ctx.invoked_subcommand is not None:
        return
    st = state(ctx)
    settings, store = st.settings(), st.store()
    with errors_as_exit(), progress_bar() as bar:
        tasks: dict[str, TaskID] = {}

        def progress(name: str, done: int, total: int | None) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=done, total=total)

        outcomes = run_ingest(settings, store, only=source or None, progress=progress)
    raise typer.Exit(print_outcomes(outcomes))


def register(app: typer.Typer) -> None:
    app.add_typer(ingest_app, name="ingest")
