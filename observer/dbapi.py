"""Reading warehouse views through any DB-API 2.0 connection, in batches, with errors classified.

Live collectors (Snowflake, Redshift, Databricks, PostgreSQL) run a handful of SELECTs over the
warehouse's history views. This module runs one, yields its rows in batches with the column names
from ``cursor.description``, and turns driver exceptions into Observer's
:class:`~observer.errors.TransientSourceError` (worth retrying: network, timeouts, throttling) or
:class:`~observer.errors.TerminalSourceError` (permissions, missing objects, bad SQL) — without
echoing connection parameters.

Placeholders are written ``?`` (qmark) and rewritten for drivers that use ``%s`` (format) or
``%(name)s``-free positional styles, so one SQL text serves the vendor's driver and the test fakes
(DuckDB and PostgreSQL holding the vendor's views).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from observer.errors import SourceError, TerminalSourceError, TransientSourceError

_TRANSIENT = re.compile(
    r"timeout|timed out|connection (reset|refused|closed|lost)|temporar|unavailable|throttl|too many requests|"
    r"could not connect|network|server closed|broken pipe|503|502|504|429",
    re.I,
)
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")


def check_identifier(value: str, what: str) -> str:
    """Config-supplied database/schema names are interpolated into SQL: allow plain identifiers only."""
    if not IDENTIFIER.match(value):
        raise ValueError(f"{what} must be a plain identifier (letters, digits, _ and $), got {value!r}")
    return value


def placeholders(sql: str, paramstyle: str) -> str:
    """Rewrite ``?`` placeholders for ``paramstyle`` (``qmark`` | ``format`` | ``numeric`` | ``dollar``)."""
    if paramstyle == "qmark":
        return sql
    parts = sql.split("?")
    if paramstyle in ("format", "pyformat"):
        return "%s".join(p.replace("%", "%%") for p in parts)
    if paramstyle == "numeric":
        return "".join(p + (f":{i + 1}" if i < len(parts) - 1 else "") for i, p in enumerate(parts))
    if paramstyle == "dollar":
        return "".join(p + (f"${i + 1}" if i < len(parts) - 1 else "") for i, p in enumerate(parts))
    raise ValueError(f"unsupported paramstyle {paramstyle!r}")


def classify(exc: BaseException, what: str) -> SourceError:
    """A driver exception as a transient or terminal source error (message without secrets)."""
    message = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
    kind = TransientSourceError if _TRANSIENT.search(message) or isinstance(exc, TimeoutError | ConnectionError) else TerminalSourceError
    return kind(f"{what}: {type(exc).__name__}: {message}")


def fetch_batches(
    connection: Any, sql: str, params: Sequence[Any] = (), *, batch_size: int = 10_000, paramstyle: str = "qmark",
    what: str = "query",
) -> Iterator[tuple[list[str], list[tuple[Any, ...]]]]:
    """Run ``sql`` and yield ``(column names, rows)`` batches of at most ``batch_size`` rows."""
    try:
        cursor = connection.cursor()
        cursor.execute(placeholders(sql, paramstyle), tuple(params))
        columns = [str(d[0]).upper() for d in cursor.description or ()]
    except Exception as exc:  # noqa: BLE001 - every driver has its own exception tree
        raise classify(exc, what) from None
    try:
        while True:
            try:
                rows = cursor.fetchmany(batch_size)
            except Exception as exc:  # noqa: BLE001
                raise classify(exc, what) from None
            if not rows:
                return
            yield columns, [tuple(r) for r in rows]
    finally:
        try:
            cursor.close()
        except Exception:  # noqa: BLE001, S110 - closing a broken cursor must not hide the real error
            pass
