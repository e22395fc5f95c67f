"""The catalog UI: server-rendered pages over the same read models as ``/api/v1``.

One view module per page in ``dashboards/views`` (each exposes a ``router``), Jinja2 templates named
after their view in ``dashboards/templates`` (``_name.html`` are includes), autoescaping always on,
and vendored static files in ``dashboards/static`` (no CDN: the catalog works offline). Every page is
readable without JavaScript; scripts only add instant search, the lineage graph and charts.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


def mount(app: FastAPI) -> None:
    """Add every page and ``/static`` to ``app`` (called by the app factory)."""
    from dashboards.views import asset, costs, incidents, queries, runs, search, session, teams

    for view in (search, asset, teams, costs, incidents, runs, queries, session):
        app.include_router(view.router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
