"""The Jinja2 environment every page renders with: autoescape on, formatting filters, page chrome.

Templates receive one typed context object per page (``page``) plus what the chrome needs
(``principal``, ``nav``, ``request``). Filters turn raw values into readable text, so templates never
format numbers or times themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from observer.api.auth import Principal, principal_of
from observer.api.deps import get_now
from observer.api.keys import asset_path
from observer.model import AssetKey

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str


# Only pages that exist are listed; a page is added here when it shows real data.
NAV = (
    NavItem("Search", "/"),
    NavItem("Teams", "/teams"),
    NavItem("Costs", "/costs"),
    NavItem("Incidents", "/incidents"),
    NavItem("Runs", "/runs"),
    NavItem("Queries", "/queries"),
)


def _number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def _money(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.{digits}f}"


def _bytes(value: int | None) -> str:
    if value is None:
        return "—"
    size = float(value)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(size) < 1024 or unit == "TB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} PB"


def _when(value: datetime | None) -> str:
    return "—" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def _ago(value: datetime | None, now: datetime) -> str:
    if value is None:
        return "never"
    seconds = (now - value).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = int(seconds // size)
            text = f"{n} {unit}{'s' if n != 1 else ''}"
            return f"in {text}" if future else f"{text} ago"
    return "just now"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min {seconds % 60:.0f} s"
    return f"{seconds // 3600:.0f} h {(seconds % 3600) // 60:.0f} min"


def _asset_url(key: AssetKey | str) -> str:
    return asset_path(key if isinstance(key, AssetKey) else AssetKey.from_stored(key))


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template, whatever its extension: names and SQL are user data
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates ship with the package: no stat() of every include on every page
    )
    env.filters.update(
        number=_number, money=_money, bytes=_bytes, when=_when, duration=_duration, asset_url=_asset_url
    )
    env.globals.update(ago=_ago, nav=NAV)
    return env


ENV = build_environment()


def render(
    request: Request, template: str, page: Any, *, title: str, status: int = 200, principal: Principal | None = None
) -> HTMLResponse:
    """Render ``template`` with its page context and the chrome; ``title`` goes into ``<title>``."""
    if principal is None:
        principal = principal_of(request)
    html = ENV.get_template(template).render(
        page=page,
        title=title,
        request=request,
        principal=principal,
        now=get_now(request),
        path=request.url.path,
    )
    return HTMLResponse(html, status_code=status)
