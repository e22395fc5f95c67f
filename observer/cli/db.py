"""``observer db``: inspect and migrate the metadata store's schema."""

from __future__ import annotations

from typing import Annotated

import typer

from observer.cli.common import out, state
from observer.store.engine import build_engine, current_revision, downgrade, head_revision, upgrade

db_app = typer.Typer(help="Metadata store schema: show the revision, upgrade or downgrade.", no_args_is_help=True)


@db_app.command("current")
def current(ctx: typer.Context) -> None:
    """Print the store's schema revision and the newest available."""
    engine = build_engine(state(ctx).settings().store_url)
    out.print(f"current: {current_revision(engine) or 'empty'}  head: {head_revision(engine)}")


@db_app.command("upgrade")
def do_upgrade(
    ctx: typer.Context, revision: Annotated[str, typer.Argument(help="Target revision.")] = "head"
) -> None:
    """Migrate the store up to REVISION (default: head)."""
    engine = build_engine(state(ctx).settings().store_url)
    upgrade(engine, revision)
    out.print(f"store at {current_revision(engine)}")


@db_app.command("downgrade")
def do_downgrade(ctx: typer.Context, revision: Annotated[str, typer.Argument(help="Target revision, or 'base'.")]) -> None:
    """Migrate the store down to REVISION ('base' drops every table)."""
    engine = build_engine(state(ctx).settings().store_url)
    downgrade(engine, revision)
    out.print(f"store at {current_revision(engine) or 'base'}")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
