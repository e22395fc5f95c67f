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
    ) -> None:
        """Serve the catalog UI and /api/v1 (OpenAPI docs at /docs)."""
        import uvicorn

        from observer.api.app import create_app

        settings = state(ctx).settings()
        store = state(ctx).store()
        host = host or settings.server.host
        port = port or settings.server.port
        out.print(f"Observer is serving at http://{host}:{port}")
        uvicorn.run(create_app(settings, store), host=host, port=port, log_level="warning")
