"""``observer owner TABLE``: who owns a table, how we know, its last run and its upstream owners."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape

from observer.catalog.owner_lookup import OwnerAnswer, answer_json, lookup_owner
from observer.cli.common import EXIT_FINDINGS, out, state


def render(a: OwnerAnswer) -> str:
    """The answer as a few readable lines (rich markup, user text escaped)."""
    if a.status == "not_found":
        return f"No table matches [bold]{escape(a.query)}[/bold]."
    if a.status == "ambiguous":
        lines = [f"[bold]{escape(a.query)}[/bold] matches {len(a.candidates)} assets; ask again with one of:"]
        for c in a.candidates:
            who = f" — {escape(c.owner.owner)}" if c.owner else ""
            lines.append(f"  {escape(str(c.asset.key))} ({c.asset.kind.value}){who}")
        return "\n".join(lines)
    assert a.asset is not None
    lines = [f"[bold]{escape(str(a.asset.key))}[/bold] ({a.asset.kind.value})"]
    if a.owner is None:
        lines.append("Owner:     nobody claims it (no edit, orchestrator, rule or writer history)")
    else:
        team = f" (team {escape(a.owner.team)})" if a.owner.team and a.owner.team != a.owner.owner else ""
        lines.append(f"Owner:     [bold]{escape(a.owner.owner)}[/bold]{team}")
        lines.append(f"How:       {a.owner.source.value} — {escape(a.owner.detail)}")
        for claim in a.owner.conflicts:
            lines.append(f"[yellow]Conflict:[/yellow]  {escape(claim.owner)} — {escape(claim.detail)}")
        for claim in a.owner.overridden:
            lines.append(f"Also:      {escape(claim.owner)} ({claim.source.value}) — {escape(claim.detail)}")
    if a.slack_channel:
        lines.append(f"Slack:     {escape(a.slack_channel)}")
    if a.last_run is not None:
        r = a.last_run
        when = r.start_time.strftime("%Y-%m-%d %H:%M UTC") if r.start_time else "?"
        what = escape(r.task or r.job)
        lines.append(f"Last run:  {r.orchestrator} {what} — {r.status.value}, {when} ({escape(r.run_id)})")
    for u in a.upstream:
        owner = f"{escape(u.owner.owner)} ({u.owner.source.value})" if u.owner else "no owner"
        lines.append(f"Upstream:  {escape(str(u.asset))} — {owner}")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    @app.command()
    def owner(
        ctx: typer.Context,
        table: Annotated[str, typer.Argument(help="Table name in any spelling (orders, MARTS.ORDERS, a full key).")],
        platform: Annotated[str | None, typer.Option(help="Only assets of this platform.")] = None,
        format: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    ) -> None:
        """Who owns TABLE: owner and team channel, how we know, last run that wrote it, upstream owners."""
        store = state(ctx).store()
        with store.read() as conn:
            answer = lookup_owner(conn, table, platform=platform)
        if format == "json":
            out.print_json(json.dumps(answer_json(answer)))
        else:
            out.print(render(answer))
        raise typer.Exit(0 if answer.status == "found" else EXIT_FINDINGS)
