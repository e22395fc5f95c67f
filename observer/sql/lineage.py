"""Table and column lineage of SQL text: :func:`extract_lineage` and its :class:`LineageResult`.

This is the engine behind the public :mod:`observer.lineage` API. It parses with bounds
(:mod:`observer.sql.parse`), walks each statement (:mod:`observer.sql.statements`) and returns one
result for the whole text. It never raises for bad SQL: what could not be read is in ``error``, and
whatever statements did parse still contribute their lineage.

>>> r = extract_lineage("INSERT INTO marts.orders (id, total) SELECT o.id, o.amount * 1.2 FROM raw.orders o")
>>> sorted(r.sources), sorted(r.targets)
(['raw.orders'], ['marts.orders'])
>>> sorted(r.column_lineage)
[('raw.orders.amount', 'marts.orders.total'), ('raw.orders.id', 'marts.orders.id')]
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from observer.sql.parse import DEFAULT_LIMITS, Limits, parse_statements
from observer.sql.relations import Schema
from observer.sql.resolve import BudgetExceeded
from observer.sql.statements import ScriptLineage

_DIALECT_ALIASES = {
    "": None,
    "generic": None,
    "ansi": None,
    "sql": None,
    "postgresql": "postgres",
    "pg": "postgres",
    "sparksql": "spark",
    "mssql": "tsql",
    "sqlserver": "tsql",
    "presto": "presto",
}


@dataclass(frozen=True)
class LineageResult:
    """What one SQL text reads and writes.

    ``sources``/``targets`` are table names as written, normalized (lower-cased unless quoted
    with a case that matters); stages are ``@stage`` and external locations their URL.
    ``column_lineage`` pairs ``("src_table.col", "tgt_table.col")``; ``"t.*"`` stands for the
    columns of a ``*`` that no schema expanded. Frozen sets compare equal to plain sets.
    """

    sources: frozenset[str]
    targets: frozenset[str]
    column_lineage: frozenset[tuple[str, str]]
    statement_types: tuple[str, ...] = ()
    error: str | None = None
    """Why (part of) the text could not be read; ``None`` when every statement was understood."""
    warnings: tuple[str, ...] = ()
    """Things read but not resolved, e.g. an unqualified column that several tables may hold."""

    @property
    def statement_type(self) -> str | None:
        """The kind of the main statement: the last one that writes, else the first."""
        writes = [t for t in self.statement_types if t not in _NON_WRITES]
        if writes:
            return writes[-1]
        return self.statement_types[0] if self.statement_types else None

    def to_json(self) -> dict[str, object]:
        """The CLI's JSON shape: sorted lists."""
        return {
            "sources": sorted(self.sources),
            "targets": sorted(self.targets),
            "columns": [list(p) for p in sorted(self.column_lineage)],
        }


_NON_WRITES = frozenset({"SELECT", "SET", "DECLARE", "USE", "TRANSACTION", "COMMIT", "ROLLBACK", "SHOW", "DESCRIBE"})

_NO_NAMES: frozenset[str] = frozenset()
_NO_PAIRS: frozenset[tuple[str, str]] = frozenset()
EMPTY_RESULT = LineageResult(_NO_NAMES, _NO_NAMES, _NO_PAIRS)


def normalize_dialect(dialect: str | None) -> str | None:
    """Map common spellings (``postgresql``, ``generic``, ``sqlserver``) to sqlglot dialect names."""
    if dialect is None:
        return None
    key = dialect.strip().lower()
    return _DIALECT_ALIASES.get(key, key)


def extract_lineage(
    sql: str,
    dialect: str | None = None,
    schema: Mapping[str, object] | Schema | None = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> LineageResult:
    """Lineage of ``sql`` (one statement or a script) in ``dialect`` (sqlglot names; None = generic).

    ``schema`` maps table names (as written, or fully qualified) to their column names; it expands
    ``*`` and resolves unqualified columns when several tables are joined. Never raises for bad SQL.
    """
    dialect = normalize_dialect(dialect)
    schema_obj = schema if isinstance(schema, Schema) else Schema(schema)
    if not isinstance(sql, str) or not sql.strip():
        return LineageResult(frozenset(), frozenset(), frozenset(), error=None if isinstance(sql, str) else "not text")
    parsed = parse_statements(sql, dialect, limits)
    errors = list(parsed.errors)
    deadline = time.perf_counter() + limits.budget_s
    script = ScriptLineage(dialect, schema_obj, deadline)
    for tree, text in parsed.statements:
        try:
            script.add(tree, text)
        except BudgetExceeded:
            errors.append(f"time budget of {limits.budget_s:g}s exceeded")
            break
        except RecursionError:
            errors.append("nesting too deep for the resolver")
        except Exception as err:  # noqa: BLE001 — a resolver bug must not stop ingestion; it is reported.
            errors.append(f"internal error reading {type(tree).__name__}: {type(err).__name__}: {err}")
    sources, targets, pairs = script.finish()
    # Empty sets share one frozenset: results are cached per fingerprint by the ten thousand, and
    # most (plain SELECTs) have no targets and no column pairs.
    return LineageResult(
        sources=frozenset(sources) if sources else _NO_NAMES,
        targets=frozenset(targets) if targets else _NO_NAMES,
        column_lineage=frozenset(pairs) if pairs else _NO_PAIRS,
        statement_types=tuple(script.types),
        error="; ".join(errors) if errors else None,
        warnings=tuple(dict.fromkeys(script.warnings)),
    )
