"""HTTP errors as exception classes carrying their status.

Routers and page views raise these; one handler in the app factory turns them into a JSON body
(``{"error": {"status": 404, "message": "..."}}``) for ``/api`` paths and an HTML error page for
everything else. Messages are shown to users, so they never contain secrets or SQL.
"""

from __future__ import annotations

from typing import ClassVar


class HTTPError(Exception):
    """Base class: ``status`` is the HTTP status code, ``str(error)`` the user-facing message."""

    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal error"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class BadRequest(HTTPError):
    status = 400
    title = "Bad request"


class Unauthorized(HTTPError):
    """No credentials, or credentials we do not recognise."""

    status = 401
    title = "Sign in needed"

    def __init__(self, message: str = "an API token is required") -> None:
        super().__init__(message, headers={"WWW-Authenticate": 'Bearer realm="observer"'})


class Forbidden(HTTPError):
    """Valid credentials without the role the action needs."""

    status = 403
    title = "Not allowed"


class NotFound(HTTPError):
    status = 404
    title = "Not found"


class Conflict(HTTPError):
    status = 409
    title = "Conflict"


class Unprocessable(HTTPError):
    status = 422
    title = "Invalid input"
