"""``observer costs``: spend per owner, team, asset, warehouse, user or query shape, and what changed.

    observer costs --month 2026-03 --by team                 # table
    observer costs --month 2026-03 --by asset --format json  # [{"key", "credits", "cost_usd", "queries"}, …]
    observer costs --month 2026-03 --by user --team growth --format csv
    observer costs diff --month 2026-03                      # month over month: movers and their queries
    observer costs refresh                                   # re-attribute after ownership changes
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from observer.cli.common import EXIT_OK, EXIT_USAGE, errors_as_exit, fail, out, state
from observer.cost_diff import CostDiff, cost_diff
from observer.cost_report import GROUP_BY, CostRow, cost_report, latest_month, month_of, report_total
from observer.errors import InputError

costs_app = typer.Typer(
    help="What did we spend, on what, and why did it change? Monthly spend by owner, team, asset, "
    "warehouse, user or query shape.",
    invoke_without_command=True,
)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class DiffFormat(StrEnum):
    table = "table"
    json = "json"


def _month(ctx: typer.Context, month: str | None) -> str:
    if month:
        return month
    with state(ctx).store().read() as conn:
        return latest_month(conn) or month_of(datetime.now(UTC))


def render_table(rows: list[CostRow], month: str, by: str) -> Table:
    total = report_total(rows)
    table = Table(title=f"Spend in {month} by {by}", title_justify="left", show_footer=True)
    table.add_column(by.upper(), footer="total")
    table.add_column("CREDITS", justify="right", footer=f"{total.credits:,.2f}")
    table.add_column("COST (USD)", justify="right", footer=f"${total.cost_usd:,.2f}")
    table.add_column("QUERIES", justify="right", footer=f"{total.queries:,}")
    table.add_column("SHARE", justify="right", footer="100.0%" if rows else "")
    for r in rows:
        share = r.cost_usd / total.cost_usd * 100 if total.cost_usd else 0.0
        table.add_row(r.key, f"{r.credits:,.2f}", f"${r.cost_usd:,.2f}", f"{r.queries:,}", f"{share:.1f}%")
    return table


def render_csv(rows: list[CostRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["key", "credits", "cost_usd", "queries"])
    for r in rows:
        j = r.to_json()
        writer.writerow([j["key"], j["credits"], j["cost_usd"], j["queries"]])
    return buffer.getvalue()


@costs_app.callback()
def costs(
    ctx: typer.Context,
    month: Annotated[str | None, typer.Option(help="Month as YYYY-MM (default: the latest month with costs).")] = None,
    by: Annotated[str, typer.Option(help=f"Group by: {', '.join(GROUP_BY)}.")] = "team",
    format: Annotated[Format, typer.Option("--format", "-f", help="table, json or csv.")] = Format.table,
    team: Annotated[str | None, typer.Option(help="Only this team's spend.")] = None,
    owner: Annotated[str | None, typer.Option(help="Only this owner's spend.")] = None,
    warehouse: Annotated[str | None, typer.Option(help="Only this warehouse.")] = None,
    user: Annotated[str | None, typer.Option(help="Only this warehouse user.")] = None,
    asset: Annotated[str | None, typer.Option(help="Only this asset key (snowflake://db.schema.table).")] = None,
) -> None:
    """Spend in a month grouped by owner, team, asset, warehouse, user or fingerprint.

    Every dollar is in one row: spend nobody could be charged for is "unattributed", warehouse time
    no query used is "idle:<WAREHOUSE>". JSON rows are {"key", "credits", "cost_usd", "queries"}.
    """
    if ctx.invoked_subcommand is not None:
        return
    if by not in GROUP_BY:
        fail(f"--by must be one of {', '.join(GROUP_BY)} (got {by!r})", EXIT_USAGE)
    filters = {"team": team, "owner": owner, "warehouse": warehouse, "user": user, "asset": asset}
    with errors_as_exit():
        try:
            chosen = _month(ctx, month)
            with state(ctx).store().read() as conn:
                rows = cost_report(conn, chosen, by, filters)
        except InputError as exc:
            fail(str(exc), EXIT_USAGE)
    if format == Format.json:
        typer.echo(json.dumps([r.to_json() for r in rows], indent=2))
    elif format == Format.csv:
        typer.echo(render_csv(rows), nl=False)
    elif not rows:
        out.print(f"No costs recorded for {chosen}. Ingest a warehouse source first (observer ingest).")
    else:
        out.print(render_table(rows, chosen, by))
    raise typer.Exit(EXIT_OK)


def render_diff(diff: CostDiff) -> None:
    sign = "+" if diff.delta_usd >= 0 else "−"
    change = f" ({diff.after_usd / diff.before_usd:.1f}×)" if diff.before_usd > 0 else ""
    out.print(
        f"[bold]Spend {diff.month}: ${diff.after_usd:,.2f}[/bold] vs {diff.previous}: ${diff.before_usd:,.2f} — "
        f"{sign}${abs(diff.delta_usd):,.2f}{change}"
    )
    for dim, movers in diff.movers.items():
        if not movers:
            continue
        table = Table(title=f"Top movers by {dim}", title_justify="left")
        table.add_column(dim.upper(), overflow="fold")
        table.add_column(diff.previous, justify="right")
        table.add_column(diff.month, justify="right")
        table.add_column("CHANGE", justify="right")
        for m in movers:
            table.add_row(m.key, f"${m.before_usd:,.2f}", f"${m.after_usd:,.2f}", f"{'+' if m.delta_usd >= 0 else '−'}${abs(m.delta_usd):,.2f}")
        out.print(table)
        for m in movers[:3]:
            if not m.shapes:
                continue
            out.print(f"  behind {m.key}:", markup=False)
            for s in m.shapes:
                who = s.owner or s.team or "unattributed"
                text = " ".join((s.sample_text or "").split())[:110]
                out.print(
                    f"    {'+' if s.delta_usd >= 0 else '−'}${abs(s.delta_usd):,.2f}  {s.queries_before:,} → {s.queries_after:,} runs"
                    f"  {s.user_name or '?'} on {s.warehouse or '?'}  owner: {who} ({s.rule})",
                    markup=False,
                )
                out.print(f"      {text}", markup=False)


@costs_app.command("diff")
def diff_command(
    ctx: typer.Context,
    month: Annotated[str | None, typer.Option(help="Month as YYYY-MM, compared with the month before.")] = None,
    top: Annotated[int, typer.Option(min=1, max=100, help="Movers per dimension.")] = 5,
    queries: Annotated[int, typer.Option(min=0, max=20, help="Query shapes listed per mover.")] = 3,
    format: Annotated[DiffFormat, typer.Option("--format", "-f", help="table or json.")] = DiffFormat.table,
    team: Annotated[str | None, typer.Option(help="Only this team's spend.")] = None,
    warehouse: Annotated[str | None, typer.Option(help="Only this warehouse.")] = None,
) -> None:
    """Month over month: the teams, assets, query shapes and warehouses whose spend moved most, the
    queries behind each move, and who owns them."""
    with errors_as_exit():
        try:
            chosen = _month(ctx, month)
            with state(ctx).store().read() as conn:
                diff = cost_diff(conn, chosen, top=top, shapes=queries, filters={"team": team, "warehouse": warehouse})
        except InputError as exc:
            fail(str(exc), EXIT_USAGE)
    if format == DiffFormat.json:
        typer.echo(json.dumps(diff.to_json(), indent=2))
    else:
        render_diff(diff)


@costs_app.command("refresh")
def refresh_command(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option(help="Re-attribute even if nothing seems to have changed.")] = False,
    recompute: Annotated[bool, typer.Option(help="Also recompute every day's cost lines (after a price change).")] = False,
) -> None:
    """Re-attribute stored queries to owners (after ownership or team changes) and re-cost changed days."""
    from observer.cost_ledger import recompute_all
    from observer.cost_refresh import refresh_attribution
    from observer.ingest import sync_config
    from observer.store.queries import sources_with_queries

    st = state(ctx)
    settings, store = st.settings(), st.store()
    now = datetime.now(UTC)
    with errors_as_exit():
        sync_config(settings, store, now)
        report = refresh_attribution(store, settings, now, force=force)
        days = report.cost_days
        if recompute:
            with store.read() as conn:
                names = sources_with_queries(conn)
            for name in names:
                days += recompute_all(store, name, settings.pricing, now).days
    for name, changed in sorted(report.sources.items()):
        out.print(f"{name:<24} {changed:>9,} queries re-attributed")
    out.print(f"{days:,} days re-costed")


def register(app: typer.Typer) -> None:
    app.add_typer(costs_app, name="costs")
