"""``observer demo``: build the demo company, ingest and check it, and serve the catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        ctx: typer.Context,
        folder: Annotated[Path, typer.Option("--dir", help="Work folder for the demo company.")] = Path("observer-demo"),
        serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the UI when done.")] = True,
        port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    ) -> None:
        """Build a realistic demo company (warehouse, dbt project, query history, runs), ingest it,
        run its checks and serve the catalog at http://127.0.0.1:8000."""
        from observer.demo.run import run_demo

        run_demo(folder, serve=serve, port=port)
