"""Identifier normalization per dialect, the basis of asset identity.

Warehouses fold unquoted identifiers to one case (Snowflake upper, PostgreSQL lower) and keep quoted
ones verbatim. Observer shows names lower-cased, so an unquoted identifier is lower-cased in every
dialect, and a quoted identifier keeps its case unless folding would not change what it refers to
(``"ORDERS"`` in Snowflake is the same object as ``orders``).

>>> normalize_qualified_name('ANALYTICS.MARTS."Orders"', "snowflake")
'analytics.marts."Orders"'
>>> normalize_qualified_name('"ANALYTICS"."MARTS"."ORDERS"', "snowflake")
'analytics.marts.orders'
"""

from __future__ import annotations

from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

# Platforms that are not sqlglot dialect names, mapped to the dialect whose rules they follow.
PLATFORM_DIALECTS = {
    "postgresql": "postgres",
    "sqlite": "sqlite",
    "databricks": "databricks",
    "dbt": None,
    "airflow": None,
    "dagster": None,
    "openlineage": None,
    "looker": None,
}

# Case each dialect folds unquoted identifiers to; a quoted identifier already in that case names
# the same object as the unquoted spelling.
_UPPER_FOLDING = {"snowflake", "oracle", "db2"}
# Dialects whose identifiers are case-insensitive even when quoted (or bracketed).
_CASE_INSENSITIVE = {"duckdb", "tsql", "mysql", "spark", "spark2", "databricks", "hive", "sqlite"}


def dialect_for(platform: str | None) -> str | None:
    """The sqlglot dialect name for a platform, or ``None`` for generic SQL."""
    if platform is None:
        return None
    platform = platform.lower()
    if platform in PLATFORM_DIALECTS:
        return PLATFORM_DIALECTS[platform]
    try:
        sqlglot.Dialect.get_or_raise(platform)
    except (ValueError, SqlglotError):
        return None
    return platform


def _normalize_part(part: exp.Identifier, dialect: str | None) -> str:
    name: str = part.this
    if not part.quoted or dialect in _CASE_INSENSITIVE:
        return name.lower()
    folded_case = name.upper() if dialect in _UPPER_FOLDING else name.lower()
    if name == folded_case and _is_plain(name):
        return name.lower()
    return '"' + name.replace('"', '""') + '"'


def _is_plain(name: str) -> bool:
    return name.replace("_", "a").replace("$", "a").isalnum() and not name[:1].isdigit()


@lru_cache(maxsize=65536)
def normalize_qualified_name(name: str, dialect: str | None = None) -> str:
    """Normalize ``db.schema.table`` (any part optional, any part quoted) for ``dialect``.

    Names that do not parse as a table reference are lower-cased and stripped, so ingestion never
    fails on an odd name.
    """
    dialect = dialect_for(dialect)
    text = name.strip()
    if not text:
        raise ValueError("empty table name")
    try:
        table = exp.to_table(text, dialect=dialect)
    except (SqlglotError, ValueError):
        return text.lower()
    parts = [p for p in table.parts if isinstance(p, exp.Identifier)]
    if not parts or len(parts) != len(table.parts):
        return text.lower()
    return ".".join(_normalize_part(p, dialect) for p in parts)
