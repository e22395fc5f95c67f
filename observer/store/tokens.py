"""API tokens: created once (the secret is shown once), stored only as a SHA-256 hash.

A token is ``obs_`` followed by 43 URL-safe characters (256 random bits). Because the secret is
random and long, a fast hash is enough: nobody can brute-force 2^256 candidates, and a lookup by
hash stays an indexed equality match on every request.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, insert, select, update

from observer.store.tables import api_tokens

PREFIX = "obs_"
_TOUCH_EVERY = timedelta(minutes=5)


class Role(enum.StrEnum):
    """What a token may do; each role includes the ones before it."""

    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


@dataclass(frozen=True)
class ApiToken:
    id: int
    name: str
    role: Role
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _to_token(row: object) -> ApiToken:
    m = row._mapping  # type: ignore[attr-defined]
    return ApiToken(m["id"], m["name"], Role(m["role"]), m["created_at"], m["last_used_at"], bool(m["revoked"]))


def create_token(conn: Connection, name: str, role: Role, now: datetime) -> tuple[ApiToken, str]:
    """Store a new token called ``name``; returns it and its secret (the only time it is known).

    Raises :class:`ValueError` when an active or revoked token already has that name.
    """
    name = name.strip()
    if not name:
        raise ValueError("a token needs a name")
    if conn.execute(select(api_tokens.c.id).where(api_tokens.c.name == name)).first() is not None:
        raise ValueError(f"a token named {name!r} already exists")
    secret = PREFIX + secrets.token_urlsafe(32)
    result = conn.execute(
        insert(api_tokens).values(
            name=name, token_hash=hash_token(secret), role=role.value, created_at=now, revoked=False
        )
    )
    token_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    return ApiToken(token_id, name, role, now, None, False), secret


def authenticate(conn: Connection, secret: str, now: datetime) -> ApiToken | None:
    """The active token whose secret this is, or ``None``. Records when it was last used."""
    if not secret.startswith(PREFIX):
        return None
    row = conn.execute(select(api_tokens).where(api_tokens.c.token_hash == hash_token(secret))).first()
    if row is None or row.revoked:
        return None
    token = _to_token(row)
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
        conn.execute(update(api_tokens).where(api_tokens.c.id == token.id).values(last_used_at=now))
    return token


def list_tokens(conn: Connection) -> list[ApiToken]:
    return [_to_token(r) for r in conn.execute(select(api_tokens).order_by(api_tokens.c.name))]


def revoke_token(conn: Connection, name: str) -> bool:
    """Revoke the token called ``name``; ``False`` when there is none (or it was already revoked)."""
    result = conn.execute(
        update(api_tokens).where(api_tokens.c.name == name, api_tokens.c.revoked.is_(False)).values(revoked=True)
    )
    return bool(result.rowcount)
