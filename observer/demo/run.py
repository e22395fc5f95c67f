"""``observer demo``: generate the demo company, push it through the real pipeline, serve the catalog.

The demo takes no shortcuts: the generated files are read by the same collectors a user's sources go
through (Snowflake export ingest, dbt artifacts, Airflow API exports, OpenLineage events, the DuckDB
warehouse), the same checks run against the DuckDB warehouse, and alerts go through the outbox in
dry-run mode (printed) unless a Slack token is configured.

Everything is anchored to one instant, ``as_of`` (the latest 06:00 UTC unless given), so a re-run on the
same day regenerates byte-identical files and changes nothing in the store.
"""

from __future__ import annotations

import importlib
import io
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from observer.config import Settings, load_config
from observer.ingest import SourceOutcome, run_ingest
from observer.store import Store, open_store


def default_as_of(now: datetime) -> datetime:
    """The latest 06:00 UTC that is not in the future: the instant the demo's story is told at."""
    six = now.astimezone(UTC).replace(hour=6, minute=0, second=0, microsecond=0)
    return six if six <= now else six - timedelta(days=1)


@dataclass
class DemoResult:
    folder: Path
    settings: Settings
    store: Store
    as_of: datetime
    outcomes: list[SourceOutcome] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)


def build_demo(
    folder: Path,
    *,
    as_of: datetime | None = None,
    say: Callable[[str], None] = print,
) -> DemoResult:
    """Generate, ingest and check the demo company in ``folder``; return the open store and figures."""
    from observer.demo.generate import generate_demo

    folder = folder.resolve()
    as_of = as_of or default_as_of(datetime.now(UTC))
    timings: dict[str, float] = {}
    # Great Expectations takes seconds to import; load it while DuckDB generates (which releases the
    # GIL) so the quality checks do not wait for it later.
    threading.Thread(target=importlib.import_module, args=("great_expectations",), daemon=True).start()

    start = time.perf_counter()
    say(f"Building the demo company in {folder} (as of {as_of:%Y-%m-%d %H:%M} UTC)…")
    generate_demo(folder, as_of)
    timings["generate"] = time.perf_counter() - start

    settings = load_config(folder / "observer.yaml")
    store = open_store(settings.store_url)
    result = DemoResult(folder, settings, store, as_of, timings=timings)

    start = time.perf_counter()
    say("Ingesting sources…")
    result.outcomes = run_ingest(settings, store, now=lambda: datetime.now(UTC))
    timings["ingest"] = time.perf_counter() - start
    for o in result.outcomes:
        status = "failed: " + o.error if o.error else f"{o.report.rows_written:,} written, {o.report.rows_bad:,} bad"
        say(f"  {o.source:<22} {o.report.rows_read:>9,} read  {status}")

    from observer.checking import run_checks

    start = time.perf_counter()
    say("Running checks…")
    # The story is told as of as_of (06:00 today): the checks judge at that instant, so the last loads
    # are never in the future and a re-run on the same day stores no new results.
    checked = run_checks(settings, store, as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC))
    timings["checks"] = time.perf_counter() - start
    for r in checked.results:
        if r.status.value in ("fail", "error"):
            say(f"  {r.status.value:<5} {r.check:<22} {r.asset}: {r.message}")
    for e in checked.errors:
        say(f"  error {e.check}: {e.message}")

    start = time.perf_counter()
    say("Alerting the owners (printed: dry run)…" if settings.alerting.dry_run else "Alerting the owners in Slack…")
    printed = io.StringIO()
    from alerting.jobs import run_alerting

    alerts = run_alerting(store, settings, as_of, stream=printed)
    timings["alerts"] = time.perf_counter() - start
    for line in printed.getvalue().splitlines():
        say(f"  {line}")
    opened = alerts.checks.opened + alerts.costs.opened
    routes = {**alerts.checks.routes}
    for channel, n in alerts.costs.routes.items():
        routes[channel] = routes.get(channel, 0) + n
    where = ", ".join(f"{channel} ({n})" for channel, n in sorted(routes.items()))
    say(f"  {opened} incidents opened → {where or 'nowhere'}")
    if not settings.alerting.dry_run:
        d = alerts.delivery
        say(f"  delivered {d.sent}, to retry {d.retried + d.rate_limited + d.in_doubt}, dead {d.dead}")

    return result


def run_demo(folder: Path, *, serve: bool = True, port: int = 8000, host: str = "127.0.0.1") -> DemoResult:
    started = time.perf_counter()
    result = build_demo(folder)
    total = time.perf_counter() - started
    print(f"Demo ready in {total:.1f} s ({', '.join(f'{k} {v:.1f} s' for k, v in result.timings.items())}).")
    if serve:
        import uvicorn

        from observer.api.app import create_app

        print(f"Observer is serving the demo at http://{host}:{port}  (Ctrl-C to stop)")
        uvicorn.run(create_app(result.settings, result.store), host=host, port=port, log_level="warning")
    return result
