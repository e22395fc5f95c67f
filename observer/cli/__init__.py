"""The ``observer`` command: a composition root that wires each verb's module into one Typer app.

Exit codes: 0 ok · 1 findings (failed checks, failed sources, anomalies) or runtime failure ·
2 usage or configuration error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from observer.cli import (
    alerts,
    backtest,
    check,
    costs,
    db,
    demo,
    ingest,
    ingest_dbt,
    ingest_warehouse,
    init,
    lineage,
    owner,
    scheduler,
    serve,
    token,
)
from observer.cli.common import CliState

app = typer.Typer(
    name="observer",
    help="Data observability and cost attribution: lineage, owners, checks, alerts and spend.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


@app.callback()
def main(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="Path to observer.yaml (default: ./observer.yaml or $OBSERVER_CONFIG).",
            envvar="OBSERVER_CONFIG",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Observer connects to your warehouse and orchestrator, then tells you who owns each table,
    whether it is fresh and correct, who to alert when it is not, and what it all costs."""
    ctx.obj = CliState(config_path=config)


for module in (init, demo, serve, ingest, ingest_dbt, ingest_warehouse, owner, db, token, lineage, alerts, costs,
               check, backtest, scheduler):
    module.register(app)
