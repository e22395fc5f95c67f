"""Tokens and roles: hashed storage, anonymous reads, editor-only writes, CSRF for cookie writes."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from observer.api.app import create_app
from observer.api.auth import COOKIE, Principal, csrf_token_for, require_role
from observer.config import Settings
from observer.store import Store
from observer.store.tables import api_tokens
from observer.store.tokens import Role, authenticate, create_token, list_tokens, revoke_token


def test_only_the_hash_is_stored(store: Store, now: datetime) -> None:
    with store.transaction() as conn:
        token, secret = create_token(conn, "airflow", Role.EDITOR, now)
        stored = conn.execute(select(api_tokens.c.token_hash)).scalar_one()
    assert secret.startswith("obs_") and len(secret) > 40
    assert secret not in stored
    with store.transaction() as conn:
        assert authenticate(conn, secret, now) == token
        assert authenticate(conn, secret + "x", now) is None
        assert revoke_token(conn, "airflow")
        assert authenticate(conn, secret, now) is None
        assert [t.revoked for t in list_tokens(conn)] == [True]


def test_duplicate_names_are_refused(sqlite_store: Store, now: datetime) -> None:
    with sqlite_store.transaction() as conn:
        create_token(conn, "ci", Role.VIEWER, now)
        with pytest.raises(ValueError, match="already exists"):
            create_token(conn, "ci", Role.ADMIN, now)


def _app_with_write_route(store: Store, settings: Settings, now: datetime) -> FastAPI:
    """The real app plus one editor-only route, as another router would declare it."""
    app = create_app(settings, store, clock=lambda: now)
    router = APIRouter()

    @router.post("/api/v1/_probe")
    def probe(who: Principal = Depends(require_role("editor"))) -> dict[str, str]:
        return {"who": who.name}

    app.include_router(router)
    return app


def test_roles_gate_writes(sqlite_store: Store, now: datetime) -> None:
    with sqlite_store.transaction() as conn:
        secrets = {r: create_token(conn, f"t-{r.value}", r, now)[1] for r in Role}
    client = TestClient(_app_with_write_route(sqlite_store, Settings(), now))
    assert client.post("/api/v1/_probe").status_code == 401
    assert client.post("/api/v1/_probe").headers["www-authenticate"].startswith("Bearer")
    bearer = {r: {"Authorization": f"Bearer {s}"} for r, s in secrets.items()}
    assert client.post("/api/v1/_probe", headers=bearer[Role.VIEWER]).status_code == 403
    assert client.post("/api/v1/_probe", headers=bearer[Role.EDITOR]).json() == {"who": "t-editor"}
    assert client.post("/api/v1/_probe", headers=bearer[Role.ADMIN]).json() == {"who": "t-admin"}
    bad = client.get("/api/v1/assets", headers={"Authorization": "Bearer obs_not-a-token"})
    assert bad.status_code == 401


def test_anonymous_read_can_be_turned_off(sqlite_store: Store, now: datetime) -> None:
    settings = Settings(server={"anonymous_read": False})
    with sqlite_store.transaction() as conn:
        _, secret = create_token(conn, "reader", Role.VIEWER, now)
    client = TestClient(create_app(settings, sqlite_store, clock=lambda: now))
    assert client.get("/api/v1/assets").status_code == 401
    assert client.get("/", headers={"accept": "text/html"}).status_code == 401
    assert client.get("/api/v1/assets", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert client.get("/healthz").status_code == 200


def test_cookie_writes_need_the_csrf_token(sqlite_store: Store, now: datetime) -> None:
    with sqlite_store.transaction() as conn:
        _, secret = create_token(conn, "alice", Role.EDITOR, now)
    client = TestClient(_app_with_write_route(sqlite_store, Settings(), now))
    client.cookies.set(COOKIE, secret)
    assert client.post("/api/v1/_probe").status_code == 403
    assert client.post("/api/v1/_probe", headers={"X-CSRF-Token": "wrong"}).status_code == 403
    ok = client.post("/api/v1/_probe", headers={"X-CSRF-Token": csrf_token_for(secret)})
    assert ok.json() == {"who": "alice"}
    form = client.post("/api/v1/_probe", data={"csrf_token": csrf_token_for(secret)})
    assert form.json() == {"who": "alice"}


def test_sign_in_sets_an_httponly_cookie(sqlite_store: Store, now: datetime) -> None:
    with sqlite_store.transaction() as conn:
        _, secret = create_token(conn, "alice", Role.EDITOR, now)
    client = TestClient(create_app(Settings(), sqlite_store, clock=lambda: now))
    refused = client.post("/login", data={"token": "obs_wrong", "next": "/"})
    assert refused.status_code == 401 and "not valid" in refused.text
    signed = client.post("/login", data={"token": secret, "next": "//evil.example/"}, follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/"
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Signed in as" in client.get("/").text
