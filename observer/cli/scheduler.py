"""``observer scheduler``: run scheduled collectors and checks until stopped."""

from __future__ import annotations

import logging
import signal
from typing import Annotated

import typer

from observer.cli.common import errors_as_exit, out, state
from observer.scheduler import Scheduler, job_specs


def scheduler(
    ctx: typer.Context,
    holder: Annotated[
        str | None, typer.Option(help="Name of this scheduler in the lease (default: host:pid).")
    ] = None,
    list_jobs: Annotated[bool, typer.Option("--list", help="Print the scheduled jobs and exit.")] = False,
) -> None:
    """Run every source and check that has a schedule: (cron, UTC), plus an alerting round each minute.

    Start as many as you like against one store: one holds the lease and runs the jobs, the others
    wait and take over within a minute if it stops. Stop with Ctrl-C or SIGTERM.
    """
    st = state(ctx)
    settings = st.settings()
    with errors_as_exit():
        specs = job_specs(settings)
    if list_jobs:
        for spec in specs:
            out.print(f"{spec.id:<40} {spec.cron}")
        if not specs:
            out.print("no sources or checks have a schedule: yet")
        raise typer.Exit(0)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sched = Scheduler(settings, st.store(), config_path=st.config_path, holder=holder)
    signal.signal(signal.SIGTERM, lambda *_: sched.stop())
    out.print(f"scheduler {sched.holder}: {len(specs)} scheduled jobs; waiting for the lease…")
    try:
        sched.run()
    except KeyboardInterrupt:
        sched.stop()


def register(app: typer.Typer) -> None:
    app.command(name="scheduler")(scheduler)
