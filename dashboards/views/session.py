"""Sign in and out of the catalog with an API token (kept in an HttpOnly, SameSite=Strict cookie).

Anyone may read when anonymous reading is on; signing in is what lets an editor change a
description or acknowledge an incident from the pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dashboards.templating import render
from observer.api.auth import ANONYMOUS, COOKIE, Principal, current_principal
from observer.api.deps import get_now, get_store
from observer.store.tokens import authenticate

router = APIRouter()

COOKIE_MAX_AGE = 30 * 24 * 3600


@dataclass(frozen=True)
class SignInPage:
    next: str
    error: str | None = None


def _safe_next(target: str) -> str:
    """Only redirect within the catalog (a path, never another site)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def sign_in_form(
    request: Request, next: str = Query("/"), principal: Principal = Depends(current_principal)
) -> HTMLResponse:
    return render(request, "session.html", SignInPage(_safe_next(next)), title="Sign in", principal=principal)


@router.post("/login", response_class=HTMLResponse, response_model=None)
def sign_in(request: Request, token: str = Form(""), next: str = Form("/")) -> Response:
    with get_store(request).transaction() as conn:
        found = authenticate(conn, token.strip(), get_now(request))
    if found is None:
        page = SignInPage(_safe_next(next), "That token is not valid or has been revoked.")
        return render(request, "session.html", page, title="Sign in", status=401, principal=ANONYMOUS)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        token.strip(),
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
def sign_out() -> RedirectResponse:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
