"""``observer ingest dbt``: ingest dbt artifacts given on the command line (no config entry needed).

    observer ingest dbt --project-dir ./analytics
    observer ingest dbt --manifest target/manifest.json --run-results 'runs/*/run_results.json'
        --catalog target/catalog.json --sources target/sources.json

Goes through the same code as a ``type: dbt`` source, so the result is identical and re-running it
changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from observer.cli.common import EXIT_USAGE, errors_as_exit, fail, state
from observer.cli.ingest import ingest_app, print_outcomes
from observer.ingest import SourceOutcome, apply_ownership_rules, sync_config


def register(app: typer.Typer) -> None:  # noqa: ARG001 - attaches to the ``ingest`` group
    @ingest_app.command("dbt")
    def ingest_dbt_command(
        ctx: typer.Context,
        project_dir: Annotated[Path | None, typer.Option(help="dbt project folder (artifacts in its target/).")] = None,
        manifest: Annotated[Path | None, typer.Option(help="manifest.json")] = None,
        run_results: Annotated[
            list[str] | None, typer.Option("--run-results", help="run_results.json file or glob; repeatable.")
        ] = None,
        catalog: Annotated[Path | None, typer.Option(help="catalog.json from `dbt docs generate`.")] = None,
        sources: Annotated[Path | None, typer.Option(help="sources.json from `dbt source freshness`.")] = None,
        source: Annotated[str, typer.Option(help="Source name the assets and runs are recorded under.")] = "dbt",
        platform: Annotated[str | None, typer.Option(help="Warehouse platform (default: the dbt adapter).")] = None,
        warehouse_user: Annotated[str | None, typer.Option(help="Warehouse user dbt runs as.")] = None,
        column_lineage: Annotated[bool, typer.Option(help="Parse compiled SQL for column lineage.")] = True,
    ) -> None:
        """Ingest dbt artifacts: models, sources, exposures, lineage, owners, runs and test results."""
        from collectors.dbt import DbtConfig, ingest_dbt

        try:
            config = DbtConfig(
                project_dir=project_dir, target_path="target", manifest=manifest, run_results=run_results or [], catalog=catalog, sources=sources,
                platform=platform, warehouse_user=warehouse_user, column_lineage=column_lineage,
            )
        except ValidationError as exc:
            fail(f"{exc.errors()[0]['msg']} (give --project-dir or --manifest)", EXIT_USAGE)
        st = state(ctx)
        settings, store = st.settings(), st.store()
        now = datetime.now(UTC)
        with errors_as_exit():
            sync_config(settings, store, now)
            report = ingest_dbt(store, config, source, Path.cwd(), now)
            apply_ownership_rules(settings, store, now)
        raise typer.Exit(print_outcomes([SourceOutcome(source, "dbt", report)]))
