"""Who is calling, and may they do this? API tokens with roles, plus an optional anonymous reader.

Credentials come from an ``Authorization: Bearer obs_…`` header (scripts, the CLI) or from the
``observer_token`` cookie that the catalog's sign-in page sets (browsers). Roles nest:
``viewer`` < ``editor`` < ``admin``. With ``server.anonymous_read`` on, a caller without a token is
an anonymous viewer; anything that writes always needs a token with the editor role or higher.

Routers declare what they need with a dependency::

    router = APIRouter(dependencies=[Depends(require_role("viewer"))])

    @router.put("/assets/{key:path}/description")
    def edit(..., who: Principal = Depends(require_role("editor"))): ...

A cookie is sent by the browser on its own, so a write authenticated by the cookie must also carry
the CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``) that pages embed; bearer
tokens are not sent automatically and need none.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Literal

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from observer.api.deps import get_now, get_settings, get_store
from observer.api.errors import Forbidden, Unauthorized
from observer.store.tokens import Role, authenticate

COOKIE = "observer_token"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Principal:
    """The caller: a named token with a role, or the anonymous reader (``role is None``)."""

    name: str
    role: Role | None
    via: Literal["header", "cookie", "anonymous"]
    csrf_token: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.role is None

    def can(self, needed: Role | str) -> bool:
        return self.role is not None and self.role.allows(Role(needed))


ANONYMOUS = Principal("anonymous", None, "anonymous")


def csrf_token_for(secret: str) -> str:
    """The CSRF token that goes with a cookie token: derived from it, so nothing extra is stored."""
    return hmac.new(secret.encode("utf-8"), b"observer-csrf", hashlib.sha256).hexdigest()[:40]


def _credentials(request: Request) -> tuple[str | None, Literal["header", "cookie", "anonymous"]]:
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("use 'Authorization: Bearer <token>'")
        return value.strip(), "header"
    cookie = request.cookies.get(COOKIE)
    if cookie:
        return cookie, "cookie"
    return None, "anonymous"


async def current_principal(request: Request) -> Principal:
    """Authenticate the request (cached on ``request.state`` for the rest of the request).

    Async so that the common anonymous read costs no worker-thread hop; the store is only asked
    (in a worker thread) when the request carries a token.
    """
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    principal = await run_in_threadpool(principal_of, request) if _has_credentials(request) else ANONYMOUS
    request.state.principal = principal
    return principal


def _has_credentials(request: Request) -> bool:
    return bool(request.headers.get("authorization") or request.cookies.get(COOKIE))


def principal_of(request: Request) -> Principal:
    """The caller of ``request`` (blocking: looks the token up in the store)."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    secret, via = _credentials(request)
    principal = ANONYMOUS
    if secret is not None:
        with get_store(request).transaction() as conn:
            token = authenticate(conn, secret, get_now(request))
        if token is None:
            if via == "cookie":
                principal = ANONYMOUS  # a stale cookie reads like no cookie; sign in again to write
            else:
                raise Unauthorized("the API token is not valid or has been revoked")
        else:
            principal = Principal(token.name, token.role, via, csrf_token_for(secret) if via == "cookie" else None)
    request.state.principal = principal
    return principal


def require_role(role: Role | str):  # type: ignore[no-untyped-def]
    """A dependency that lets the request through only for ``role`` or higher (see module doc)."""
    needed = Role(role)

    async def dependency(request: Request, principal: Principal = Depends(current_principal)) -> Principal:
        if principal.is_anonymous:
            if needed is Role.VIEWER and get_settings(request).server.anonymous_read:
                return principal
            raise Unauthorized(f"this needs an API token with the {needed.value} role")
        if not principal.can(needed):
            raise Forbidden(
                f"token {principal.name!r} has the {principal.role} role; this needs {needed.value}"
            )
        if principal.via == "cookie" and request.method not in SAFE_METHODS:
            await _check_csrf(request, principal)
        return principal

    dependency.__name__ = f"require_{needed.value}"
    return dependency


async def _check_csrf(request: Request, principal: Principal) -> None:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or principal.csrf_token is None or not hmac.compare_digest(sent, principal.csrf_token):
        raise Forbidden("the form has expired or did not come from this site; reload the page and try again")
