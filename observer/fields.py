"""Field conversions for vendor rows (pure): timestamps in every vendor spelling, numbers, NULLs.

Collectors' ``parse.py`` modules turn raw values — strings from CSV exports, Python values from a
DB-API cursor or JSON — into domain values with these functions. A value that cannot be converted
raises :class:`FieldError` naming the field, which the caller turns into a counted bad row
(``file:line [FIELD]: message``) instead of failing the whole file.

>>> timestamp("2025-11-21 02:00:04.118 +0000", "START_TIME").isoformat()
'2025-11-21T02:00:04.118000+00:00'
>>> timestamp("2025-11-21T02:00:04-08:00", "t").isoformat()
'2025-11-21T10:00:04+00:00'
>>> number("1.5e3", "EXECUTION_TIME"), integer("", "ROWS"), text("\\\\N")
(1500.0, 0, None)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

NULL_MARKERS = frozenset({"", "\\N", "NULL", "null"})


class FieldError(ValueError):
    """A value of ``field`` could not be read."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def is_null(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value in NULL_MARKERS)


def text(value: Any) -> str | None:
    """A string, or ``None`` for NULL markers (``\\N``, empty)."""
    if value is None:
        return None
    if isinstance(value, str):
        return None if value in NULL_MARKERS else value
    return str(value)


def timestamp(value: Any, field: str) -> datetime:
    """An aware UTC datetime from any common spelling; naive values are taken as UTC.

    Accepts ``datetime`` objects, ISO 8601 (``T`` or space, ``Z``/``+00:00``/``+0000``), Snowflake's
    default output ``YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM`` (a space before the offset), nanosecond
    fractions, and epoch seconds/milliseconds/microseconds as numbers.
    """
    if value is None:
        raise FieldError(field, "missing timestamp")
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        moment = _from_epoch(float(value))
    elif isinstance(value, str):
        moment = _parse_text(value.strip(), field)
    else:
        raise FieldError(field, f"expected a timestamp, got {type(value).__name__}")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    if moment.utcoffset():
        return moment.astimezone(UTC)
    return moment if moment.tzinfo is UTC else moment.replace(tzinfo=UTC)


def _parse_text(s: str, field: str) -> datetime:
    if not s or s in NULL_MARKERS:
        raise FieldError(field, "missing timestamp")
    # Snowflake: "2025-11-21 02:00:04.118 +0000" — drop the space before the offset.
    if len(s) > 6 and s[-6] == " " and s[-5] in "+-":
        s = s[:-6] + s[-5:]
    elif s.endswith((" Z", " UTC")):
        s = s.rsplit(" ", 1)[0] + "+00:00"
    try:
        return datetime.fromisoformat(s)
    except ValueError:
        pass
    try:
        return _from_epoch(float(s))
    except ValueError:
        raise FieldError(field, f"not a timestamp: {s[:40]!r}") from None


def _from_epoch(x: float) -> datetime:
    # Seconds until the year 5000; then milliseconds; then microseconds.
    if abs(x) > 1e14:
        x /= 1e6
    elif abs(x) > 1e11:
        x /= 1e3
    return datetime.fromtimestamp(x, UTC)


def optional_timestamp(value: Any, field: str) -> datetime | None:
    return None if is_null(value) else timestamp(value, field)


def number(value: Any, field: str, default: float = 0.0) -> float:
    """A float; NULL → ``default``."""
    if value is None:
        return default
    if isinstance(value, float):
        return value
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        if value in NULL_MARKERS:
            return default
        try:
            return float(value)
        except ValueError:
            raise FieldError(field, f"not a number: {value[:40]!r}") from None
    raise FieldError(field, f"expected a number, got {type(value).__name__}")


def integer(value: Any, field: str, default: int = 0) -> int:
    """An int (``"12.0"`` accepted); NULL → ``default``."""
    if value is None:
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value in NULL_MARKERS:
            return default
        try:
            return int(value)
        except ValueError:
            pass
    return int(number(value, field, default))


def optional_integer(value: Any, field: str) -> int | None:
    return None if is_null(value) else integer(value, field)


def optional_number(value: Any, field: str) -> float | None:
    return None if is_null(value) else number(value, field)


def boolean(value: Any, field: str, default: bool = False) -> bool:
    if is_null(value):
        return default
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in ("true", "t", "1", "yes", "y"):
        return True
    if lowered in ("false", "f", "0", "no", "n"):
        return False
    raise FieldError(field, f"not a boolean: {str(value)[:20]!r}")


class Layout:
    """Positions of the columns a parser reads, from a file header or a cursor description.

    >>> get = Layout.of(["QUERY_ID", "USER_NAME"]).getter(["01ab", "ALICE"])
    >>> get("USER_NAME"), get("ROLE_NAME")
    ('ALICE', None)
    """

    __slots__ = ("positions",)

    def __init__(self, positions: dict[str, int]) -> None:
        self.positions = positions

    @classmethod
    def of(cls, columns: Sequence[str]) -> Layout:
        return cls({c.upper(): i for i, c in enumerate(columns)})

    def getter(self, row: Sequence[Any]) -> Get:
        return Get(self.positions, row)


class Get:
    """Read a row's value by column name (``None`` for columns the row does not have)."""

    __slots__ = ("_pos", "_row")

    def __init__(self, pos: dict[str, int], row: Sequence[Any]) -> None:
        self._pos, self._row = pos, row

    def __call__(self, name: str) -> Any:
        i = self._pos.get(name)
        return None if i is None else self._row[i]
