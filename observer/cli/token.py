"""``observer token``: create, list and revoke API tokens (stored hashed; the secret is shown once)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from observer.cli.common import EXIT_USAGE, fail, out, state
from observer.store.tokens import Role, create_token, list_tokens, revoke_token

token_app = typer.Typer(
    help="API tokens for /api/v1 and for signing in to the catalog (roles: viewer, editor, admin).",
    no_args_is_help=True,
)


@token_app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A name saying who or what uses the token, e.g. 'airflow' or 'alice'.")],
    role: Annotated[Role, typer.Option(help="viewer reads; editor also edits owners, descriptions and incidents; admin everything.")] = Role.VIEWER,
) -> None:
    """Create a token and print its secret. It is stored only as a hash: copy it now."""
    store = state(ctx).store()
    try:
        with store.transaction() as conn:
            token, secret = create_token(conn, name, role, datetime.now(UTC))
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)
    finally:
        store.dispose()
    out.print(f"created token {token.name!r} with role {token.role.value}. Its secret (shown only once):")
    out.print(secret, markup=False)
    out.print("use it as:  Authorization: Bearer <secret>   or paste it on the catalog's sign-in page")


@token_app.command("list")
def list_(ctx: typer.Context) -> None:
    """List tokens with their role, creation and last use (never their secrets)."""
    store = state(ctx).store()
    with store.read() as conn:
        tokens = list_tokens(conn)
    store.dispose()
    if not tokens:
        out.print("no tokens yet; create one with: observer token create NAME --role editor")
        return
    table = Table("name", "role", "created", "last used", "state")
    for t in tokens:
        table.add_row(
            t.name,
            t.role.value,
            t.created_at.strftime("%Y-%m-%d %H:%M"),
            t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "never",
            "revoked" if t.revoked else "active",
        )
    out.print(table)


@token_app.command("revoke")
def revoke(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The token's name.")]) -> None:
    """Revoke a token: requests using it are refused from now on."""
    store = state(ctx).store()
    with store.transaction() as conn:
        done = revoke_token(conn, name)
    store.dispose()
    if not done:
        fail(f"no active token named {name!r}", EXIT_USAGE)
    out.print(f"revoked token {name!r}")


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")
