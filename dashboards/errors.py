"""HTML error pages for :class:`observer.api.errors.HTTPError` raised while serving a page."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import HTMLResponse

from dashboards.templating import render
from observer.api.auth import ANONYMOUS, Principal
from observer.api.errors import HTTPError


@dataclass(frozen=True)
class ErrorPage:
    status: int
    title: str
    message: str
    sign_in: bool


def render_error(request: Request, exc: HTTPError) -> HTMLResponse:
    principal = getattr(request.state, "principal", None)
    if not isinstance(principal, Principal):
        principal = ANONYMOUS
    page = ErrorPage(exc.status, exc.title, exc.message, exc.status in (401, 403))
    response = render(request, "error.html", page, title=exc.title, status=exc.status, principal=principal)
    for name, value in exc.headers.items():
        response.headers[name] = value
    return response
