"""``observer init``: write a commented starter observer.yaml."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Annotated

import typer

from observer.cli.common import EXIT_USAGE, fail, out


def starter_config() -> str:
    return files("observer").joinpath("starter.yaml").read_text(encoding="utf-8")


def register(app: typer.Typer) -> None:
    @app.command()
    def init(
        path: Annotated[Path, typer.Argument(help="Where to write the config.")] = Path("observer.yaml"),
        force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    ) -> None:
        """Write a commented starter [bold]observer.yaml[/bold] to edit for your warehouse and orchestrator."""
        if path.exists() and not force:
            fail(f"{path} already exists; use --force to overwrite it", EXIT_USAGE)
        path.write_text(starter_config(), encoding="utf-8")
        out.print(f"wrote {path} — edit it, then run: observer ingest && observer check && observer serve")
