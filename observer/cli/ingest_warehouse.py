"""``observer ingest snowflake|bigquery|redshift|databricks``: ingest warehouse export files given on
the command line (no config entry needed).

    observer ingest snowflake --query-history QH.csv.gz --metering WMH.csv.gz
    observer ingest bigquery --jobs jobs.jsonl.gz
    observer ingest redshift --query-history sys_query_history.csv --hourly-usd 3.26
    observer ingest databricks --query-history history.jsonl --billing usage.jsonl

Each goes through the same code as the matching ``sources:`` entry, so re-running it changes nothing.
After the files, stored queries are re-attributed if owners changed and changed days re-costed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from observer.cli.common import errors_as_exit, state
from observer.cli.ingest import ingest_app, print_outcomes
from observer.exports import expand_paths
from observer.ingest import SourceOutcome, apply_ownership_rules, sync_config
from observer.plugins import IngestReport

Files = Annotated[list[str] | None, typer.Option(help="File or glob; repeatable.")]


def _run(ctx: typer.Context, source: str, kind: str, work: Callable[..., IngestReport]) -> None:
    from observer.cost_refresh import refresh_attribution

    st = state(ctx)
    settings, store = st.settings(), st.store()
    now = datetime.now(UTC)
    with errors_as_exit():
        sync_config(settings, store, now)
        report = work(store, settings, now, Path.cwd())
        apply_ownership_rules(settings, store, now)
        refresh_attribution(store, settings, now)
    raise typer.Exit(print_outcomes([SourceOutcome(source, kind, report)]))


def register(app: typer.Typer) -> None:  # noqa: ARG001 - attaches to the ``ingest`` group
    @ingest_app.command("snowflake")
    def ingest_snowflake(
        ctx: typer.Context,
        query_history: Annotated[list[str] | None, typer.Option("--query-history", help="QUERY_HISTORY export (CSV or JSONL, gzip ok); repeatable, globs allowed.")] = None,
        metering: Annotated[list[str] | None, typer.Option("--metering", help="WAREHOUSE_METERING_HISTORY export.")] = None,
        acceleration: Annotated[list[str] | None, typer.Option("--acceleration", help="QUERY_ACCELERATION_HISTORY export (optional).")] = None,
        attribution: Annotated[list[str] | None, typer.Option("--attribution", help="QUERY_ATTRIBUTION_HISTORY export (optional).")] = None,
        source: Annotated[str, typer.Option(help="Source name the queries are recorded under.")] = "snowflake",
        platform: Annotated[str, typer.Option(help="Platform of attributed asset keys.")] = "snowflake",
    ) -> None:
        """Ingest Snowflake ACCOUNT_USAGE exports (written with COPY INTO … HEADER = TRUE)."""
        from collectors.snowflake import ingest_snowflake_exports

        def work(store, settings, now, base):  # type: ignore[no-untyped-def]
            return ingest_snowflake_exports(
                store, settings, source=source, platform=platform, now=now,
                query_history=expand_paths(query_history or [], base), metering=expand_paths(metering or [], base),
                acceleration=expand_paths(acceleration or [], base), attribution=expand_paths(attribution or [], base),
            )

        _run(ctx, source, "snowflake", work)
