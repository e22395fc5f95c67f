"""``observer alerts``: incidents and their Slack messages — process, deliver, digest, inspect, act.

``process`` turns new check results and cost findings into incidents and queues their messages, then
delivers (or, in a dry run, prints) them. ``deliver`` drains the outbox: once, or as a loop that
sleeps until the next retry is due. With ``alerting.dry_run`` (the default) or ``--dry-run``,
messages are printed and stay queued; ``--send`` sends them.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.table import Table

from observer.cli.common import EXIT_FINDINGS, errors_as_exit, fail, out, state
from observer.store.outbox import OutboxState, list_outbox, outbox_counts, requeue

alerts_app = typer.Typer(
    help="Incidents and Slack alerts: process, deliver, digest, list, act.", no_args_is_help=True
)

DryRun = Annotated[
    bool | None,
    typer.Option(
        "--dry-run/--send", help="Print messages instead of sending them (default: alerting.dry_run)."
    ),
]


def _now() -> datetime:
    return datetime.now(UTC)


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _dry(ctx: typer.Context, dry_run: bool | None) -> bool:
    return state(ctx).settings().alerting.dry_run if dry_run is None else dry_run


@alerts_app.command("process")
def process(
    ctx: typer.Context,
    dry_run: DryRun = None,
    deliver: Annotated[
        bool, typer.Option("--deliver/--no-deliver", help="Deliver queued messages afterwards.")
    ] = True,
) -> None:
    """Open, update and resolve incidents from new check results and spend, then deliver their alerts."""
    from alerting.jobs import run_alerting

    settings = state(ctx).settings()
    store = state(ctx).store()
    with errors_as_exit():
        run = run_alerting(store, settings, _now(), deliver=deliver, dry_run=_dry(ctx, dry_run))
    for label, report in (("checks", run.checks), ("costs", run.costs)):
        out.print(
            f"{label}: {report.signals} signals · {report.opened} opened · {report.escalated} escalated · "
            f"{report.resolved} resolved · {report.reopened} back from snooze · {report.queued} messages queued"
        )
    if run.previewed:
        out.print(f"dry run: {run.previewed} queued message(s) printed above, nothing sent")
    elif deliver:
        _print_delivery(run.delivery)


def _print_delivery(report: object) -> None:
    from alerting.outbox import DeliveryReport

    assert isinstance(report, DeliveryReport)
    out.print(
        f"delivery: {report.sent} sent · {report.reconciled} found already delivered · {report.retried} to retry · "
        f"{report.rate_limited} rate limited · {report.in_doubt} in doubt · {report.dead} dead"
    )
    for line in report.errors[:20]:
        out.print(f"  {line}")


@alerts_app.command("deliver")
def deliver(
    ctx: typer.Context,
    dry_run: DryRun = None,
    loop: Annotated[bool, typer.Option("--loop", help="Keep delivering until the outbox is empty.")] = False,
    max_seconds: Annotated[float | None, typer.Option(help="With --loop: stop after this long.")] = None,
    workers: Annotated[int, typer.Option(help="Channels served in parallel.")] = 8,
) -> None:
    """Send queued messages (retries, rate limits and restarts handled); exit 1 if any went dead."""
    from alerting.jobs import preview
    from alerting.outbox import Deliverer, build_notifiers

    settings = state(ctx).settings()
    store = state(ctx).store()
    dry = _dry(ctx, dry_run)
    notifiers = build_notifiers(settings, dry_run=dry)
    if dry:
        n = preview(store, notifiers["slack"], _now())
        out.print(f"dry run: {n} queued message(s) printed, nothing sent")
        return
    if not notifiers:
        fail(
            "no Slack token or webhook configured (alerting.slack.token / webhook_url); use --dry-run to preview"
        )
    deliverer = Deliverer(
        store, notifiers, clock=_now, max_attempts=settings.alerting.max_attempts, workers=workers
    )
    with errors_as_exit():
        report = deliverer.run(max_seconds=max_seconds) if loop else deliverer.deliver_due()
    _print_delivery(report)
    if report.dead:
        raise typer.Exit(EXIT_FINDINGS)


@alerts_app.command("digest")
def digest(
    ctx: typer.Context,
    team: Annotated[list[str] | None, typer.Option("--team", help="Only this team (repeatable).")] = None,
    dry_run: DryRun = None,
) -> None:
    """Queue today's digest for each team (open incidents, spend this month vs last) and deliver it."""
    from alerting.jobs import preview, queue_digests
    from alerting.outbox import Deliverer, build_notifiers

    settings = state(ctx).settings()
    store = state(ctx).store()
    now = _now()
    queued = queue_digests(store, settings, now, team)
    out.print(f"{queued} digest(s) queued")
    dry = _dry(ctx, dry_run)
    notifiers = build_notifiers(settings, dry_run=dry)
    if dry:
        preview(store, notifiers["slack"], now)
        return
    _print_delivery(
        Deliverer(store, notifiers, clock=_now, max_attempts=settings.alerting.max_attempts).deliver_due()
    )


@alerts_app.command("list")
def list_cmd(
    ctx: typer.Context,
    all_states: Annotated[bool, typer.Option("--all", help="Include resolved incidents.")] = False,
    team: Annotated[str | None, typer.Option(help="Only this team's incidents.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 50,
) -> None:
    """Incidents, most recently changed first (open ones unless --all)."""
    from observer.store.incidents import ACTIVE_STATES, list_incidents

    with state(ctx).store().read() as conn:
        items, total = list_incidents(
            conn, states=None if all_states else ACTIVE_STATES, team=team, limit=limit
        )
    table = Table("id", "state", "severity", "title", "asset", "team", "opened")
    for i in items:
        table.add_row(
            str(i.id),
            i.state.value,
            i.severity.value,
            i.title,
            str(i.asset or ""),
            i.team or "",
            f"{i.opened_at:%Y-%m-%d %H:%M}",
        )
    out.print(table)
    out.print(f"{len(items)} of {total}")


def _act(ctx: typer.Context, incident_id: int, action: str, until: datetime | None = None) -> None:
    from alerting import incidents

    settings, store, now = state(ctx).settings(), state(ctx).store(), _now()
    with errors_as_exit():
        if action == "ack":
            incident, changed = incidents.acknowledge(store, settings, incident_id, _actor(), now)
        elif action == "snooze":
            assert until is not None
            incident, changed = incidents.snooze(store, settings, incident_id, until, _actor(), now)
        else:
            incident, changed = incidents.resolve(store, settings, incident_id, _actor(), now)
    verb = "unchanged" if not changed else incident.state.value
    out.print(
        f"incident {incident_id}: {verb} ({incident.title}); run `observer alerts deliver` to update Slack"
    )


@alerts_app.command("ack")
def ack(ctx: typer.Context, incident_id: Annotated[int, typer.Argument(help="Incident id.")]) -> None:
    """Acknowledge an incident (its Slack message shows who)."""
    _act(ctx, incident_id, "ack")


@alerts_app.command("snooze")
def snooze_cmd(
    ctx: typer.Context,
    incident_id: Annotated[int, typer.Argument(help="Incident id.")],
    hours: Annotated[float, typer.Option(help="Snooze for this many hours.")] = 4.0,
) -> None:
    """Snooze an incident: quiet until then, announced again if it still fails."""
    _act(ctx, incident_id, "snooze", _now() + timedelta(hours=hours))


@alerts_app.command("resolve")
def resolve_cmd(ctx: typer.Context, incident_id: Annotated[int, typer.Argument(help="Incident id.")]) -> None:
    """Resolve an incident by hand."""
    _act(ctx, incident_id, "resolve")


@alerts_app.command("outbox")
def outbox_cmd(
    ctx: typer.Context,
    state_: Annotated[str | None, typer.Option("--state", help="pending, sending, sent or dead.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 50,
) -> None:
    """Messages waiting, in flight, sent or dead (dead letters show why)."""
    if state_ is not None and state_ not in {s.value for s in OutboxState}:
        fail(f"unknown state {state_!r}; use pending, sending, sent or dead", 2)
    with state(ctx).store().read() as conn:
        items, total = list_outbox(conn, state=state_, limit=limit)
        counts = outbox_counts(conn)
    for i in items:
        error = f"  {i.last_error}" if i.last_error else ""
        out.print(
            f"#{i.id} {i.state.value} {i.channel_type}:{i.destination} {i.operation} attempts={i.attempts} "
            f"next={i.next_attempt_at:%Y-%m-%d %H:%M:%S}{error}",
            markup=False,
        )
    out.print(" · ".join(f"{k} {v}" for k, v in counts.items()) + f"  ({len(items)} of {total} shown)")


@alerts_app.command("requeue")
def requeue_cmd(
    ctx: typer.Context, item_id: Annotated[int, typer.Argument(help="Outbox row id of a dead message.")]
) -> None:
    """Give a dead message a fresh set of attempts."""
    with state(ctx).store().transaction() as conn:
        ok = requeue(conn, item_id, _now())
    if not ok:
        fail(f"outbox row {item_id} is not dead (or does not exist)")
    out.print(f"outbox row {item_id} requeued")


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")
