"""``observer ingest snowflake|bigquery|redshift|databricks|postgres``: ingest warehouse export files given on
the command line (no config entry needed).

    observer ingest snowflake --query-history QH.csv.gz --metering WMH.csv.gz
    observer ingest bigquery --jobs jobs.jsonl.gz
    observer ingest redshift --query-history sys_query_history.csv --hourly-usd 3.26
    observer ingest databricks --query-history history.jsonl --billing usage.jsonl
    observer ingest postgres --log /var/lib/postgresql/15/main/log

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

    @ingest_app.command("bigquery")
    def ingest_bigquery(
        ctx: typer.Context,
        jobs: Annotated[list[str], typer.Option("--jobs", help="INFORMATION_SCHEMA.JOBS export (JSON Lines, gzip ok); repeatable, globs allowed.")],
        source: Annotated[str, typer.Option(help="Source name the jobs are recorded under.")] = "bigquery",
    ) -> None:
        """Ingest BigQuery JOBS rows exported as JSON Lines (or CSV with the view's column names)."""
        from collectors.bigquery import ingest_bigquery_jobs

        def work(store, settings, now, base):  # type: ignore[no-untyped-def]
            return ingest_bigquery_jobs(store, settings, source=source, files=expand_paths(jobs, base), now=now)

        _run(ctx, source, "bigquery", work)

    @ingest_app.command("redshift")
    def ingest_redshift(
        ctx: typer.Context,
        query_history: Annotated[list[str], typer.Option("--query-history", help="SYS_QUERY_HISTORY export (CSV with header or JSON Lines).")],
        cluster: Annotated[str | None, typer.Option(help="Cluster name its compute-hours are priced under.")] = None,
        source: Annotated[str, typer.Option(help="Source name the queries are recorded under.")] = "redshift",
    ) -> None:
        """Ingest Redshift SYS_QUERY_HISTORY rows (joined with pg_user for user names)."""
        from collectors.redshift import RedshiftConfig, ingest_redshift_exports

        def work(store, settings, now, base):  # type: ignore[no-untyped-def]
            config = RedshiftConfig.model_validate({"query_history": query_history, "cluster": cluster})
            return ingest_redshift_exports(store, settings, config, source=source, files=expand_paths(query_history, base), now=now)

        _run(ctx, source, "redshift", work)

    @ingest_app.command("databricks")
    def ingest_databricks(
        ctx: typer.Context,
        query_history: Annotated[list[str], typer.Option("--query-history", help="system.query.history export (JSON Lines or CSV).")],
        billing: Annotated[list[str] | None, typer.Option("--billing", help="system.billing.usage export.")] = None,
        source: Annotated[str, typer.Option(help="Source name the statements are recorded under.")] = "databricks",
    ) -> None:
        """Ingest Databricks SQL-warehouse statements and the DBUs billed for them."""
        from collectors.databricks import ingest_databricks_exports

        def work(store, settings, now, base):  # type: ignore[no-untyped-def]
            return ingest_databricks_exports(
                store, settings, source=source, query_history=expand_paths(query_history, base),
                billing=expand_paths(billing or [], base), now=now,
            )

        _run(ctx, source, "databricks", work)

    @ingest_app.command("postgres")
    def ingest_postgres(
        ctx: typer.Context,
        log: Annotated[str, typer.Option("--log", help="Server log folder, file or glob (csvlog or jsonlog).")],
        server: Annotated[str | None, typer.Option(help="Server name its compute-hours are priced under.")] = None,
        source: Annotated[str, typer.Option(help="Source name the statements are recorded under.")] = "postgres",
    ) -> None:
        """Ingest a PostgreSQL server log written with log_min_duration_statement = 0 (incremental)."""
        from collectors.postgres import PostgresCollector, PostgresConfig
        from observer.plugins import RunContext

        def work(store, settings, now, base):  # type: ignore[no-untyped-def]
            config = PostgresConfig.model_validate({"log_path": Path(log), "server": server, "catalog": False})
            return PostgresCollector(config, source).collect(RunContext(store, settings.model_copy(update={"base_dir": base}), now))

        _run(ctx, source, "postgres", work)
