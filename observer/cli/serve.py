"""``observer serve``: the catalog UI and the JSON API."""

from __future__ import annotations

from typing import Annotated

import typer

from observer.cli.common import out, state


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        ctx: typer.Context,
        host: Annotated[str | None, typer.Option(help="Interface to listen on (default from config: 127.0.0.1).")] = None,
        port: Annotated[int | None, typer.Option(help="Port (default from config: 8000).")] = None,
        workers: Annotated[
            int, typer.Option(min=1, help="Server processes; more than one spreads requests over CPU cores.")
        ] = 1,
    ) -> None:
        """Serve the catalog UI and /api/v1 (OpenAPI docs at /docs)."""
        import os

        import uvicorn

        from observer.api.app import create_app

        cli = state(ctx)
        settings = cli.settings()
        store = cli.store()  # opened (and migrated) here, so a bad store fails before any worker starts
        host = host or settings.server.host
        port = port or settings.server.port
        out.print(f"Observer is serving at http://{host}:{port}")
        if workers == 1:
            uvicorn.run(create_app(settings, store), host=host, port=port, log_level="warning")
            return
        store.dispose()
        if cli.config_path is not None:
            os.environ["OBSERVER_CONFIG"] = str(cli.config_path.resolve())
        uvicorn.run(
            "observer.api.app:app_from_environment", factory=True, workers=workers, host=host, port=port,
            log_level="warning",
        )
