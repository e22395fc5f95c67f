"""The app factory: Observer's HTTP composition root.

``create_app(settings, store)`` builds one FastAPI application that serves

* ``/healthz`` — liveness plus a store round-trip,
* ``/api/v1/…`` — every JSON router (listed in :func:`api_routers`; add yours there),
* ``/docs`` and ``/api/v1/openapi.json`` — the OpenAPI description, rendered by a vendored Swagger UI,
* the catalog pages and their static files, mounted from :mod:`dashboards`.

Nothing here holds global state: the store, settings and clock live on ``app.state`` and reach the
routers through the dependencies in :mod:`observer.api.deps`, so tests build as many apps as they like.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import text
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from observer.api.deps import system_clock
from observer.api.errors import HTTPError
from observer.api.incident_actions import IncidentActions
from observer.catalog.cost_views import CostViews
from observer.catalog.live_search import LiveSearch
from observer.config import Settings
from observer.store import Store

API_PREFIX = "/api/v1"

# Pages get a strict policy: every script and style is a vendored file served from /static. The one
# hash is the fixed stylesheet cytoscape injects for its container (nothing else inline may run).
_CYTOSCAPE_STYLE = "'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8='"
_PAGE_CSP = (
    f"default-src 'self'; img-src 'self' data:; style-src 'self' {_CYTOSCAPE_STYLE}; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
# Swagger UI boots from an inline script, so /docs allows that (and only that) page an inline script.
_DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; object-src 'none'; frame-ancestors 'none'"
)


def api_routers() -> list[APIRouter]:
    """Every ``/api/v1`` router, in the order they appear in the OpenAPI document.

    ``assets.router`` stays last: its ``GET /assets/{key:path}`` would otherwise swallow the
    ``/assets/{key:path}/…`` sub-resources that other routers declare.
    """
    from observer.api.routers import (
        assets,
        catalog_edits,
        checks,
        costs,
        fingerprints,
        incidents,
        ingest_runs,
        lineage,
        openlineage,
        owners,
        runs,
        search,
        slack,
        teams,
    )

    return [
        assets.search_router,
        search.router,
        lineage.router,
        catalog_edits.router,
        owners.router,
        openlineage.router,
        incidents.router,
        slack.router,
        teams.router,
        runs.router,
        fingerprints.router,
        costs.router,
        checks.router,
        ingest_runs.router,
        assets.router,
    ]


def _version() -> str:
    try:
        return version("observer")
    except PackageNotFoundError:
        return "0.0.0"


def create_app(
    settings: Settings,
    store: Store,
    *,
    clock: Callable[[], datetime] = system_clock,
    search_max_age: float = 5.0,
) -> FastAPI:
    """The whole HTTP application over ``store``. ``clock`` gives "now" to every request (tests pin
    it); ``search_max_age`` is how often (seconds) the search index checks the store for changes."""
    search = LiveSearch(store, max_age=search_max_age)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        search.warm_up()
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="Observer",
        version=_version(),
        description=(
            "Catalog, lineage, ownership, checks, incidents and cost attribution for your warehouse. "
            "Authenticate with `Authorization: Bearer <token>` (create one with `observer token create`). "
            "Reads may be open to anonymous callers (`server.anonymous_read`); writes need the editor role."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url=f"{API_PREFIX}/openapi.json",
    )
    app.state.settings = settings
    app.state.store = store
    app.state.clock = clock
    app.state.search = search
    app.state.incident_actions = IncidentActions(store, settings)
    app.state.cost_views = CostViews(max_age=search_max_age)

    _install_error_handlers(app)
    app.add_middleware(SecurityHeaders)

    @app.get("/healthz", tags=["health"], summary="Liveness and store check")
    def healthz() -> JSONResponse:
        """``200 {"status": "ok"}`` when the store answers a query, ``503`` otherwise."""
        try:
            with store.read() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - any driver error means "not healthy"
            return JSONResponse({"status": "unavailable", "store": store.dialect, "error": type(exc).__name__}, 503)
        return JSONResponse({"status": "ok", "store": store.dialect, "version": app.version})

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "",
            title="Observer API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    api = APIRouter(prefix=API_PREFIX)
    for router in api_routers():
        api.include_router(router)
    app.include_router(api)

    import dashboards

    dashboards.mount(app)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPError)
    async def http_error(request: Request, exc: HTTPError) -> Response:
        if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
            return JSONResponse(
                {"error": {"status": exc.status, "message": exc.message}}, exc.status, headers=exc.headers
            )
        from dashboards.errors import render_error

        return render_error(request, exc)


def app_from_environment() -> FastAPI:
    """The app for one of several server processes (``observer serve --workers N``): each process
    loads the configuration (``$OBSERVER_CONFIG`` or ``./observer.yaml`` plus ``OBSERVER_*``) and opens
    its own store connection pool and search index."""
    from observer.config import load_config
    from observer.store import open_store

    settings = load_config()
    return create_app(settings, open_store(settings.store_url, migrate=False))


class SecurityHeaders:
    """Pure ASGI middleware adding CSP and friends to every response (cheaper than BaseHTTPMiddleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = _DOCS_CSP if scope["path"] == "/docs" else _PAGE_CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", csp)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "DENY")
            await send(message)

        await self.app(scope, receive, send_with_headers)
