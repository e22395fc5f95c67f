"""Names of tables, columns and stages as lineage reports them.

Lineage names are *as written* (no session database or schema is added: that depends on the row, not
on the query text, so it is applied after the per-fingerprint cache, see :func:`qualify_name`) and
normalized the way :mod:`observer.identifiers` normalizes asset names, so a name from lineage and the
same table's asset key agree:

- an unquoted identifier is lower-cased in every dialect;
- a quoted identifier is lower-cased too when folding would not change what it refers to
  (``"ORDERS"`` in Snowflake, ``"orders"`` in PostgreSQL), and kept verbatim in double quotes
  otherwise (``"Orders"``), because it then names a different object than ``orders``.

>>> qualify_name("orders", database="ANALYTICS", schema="marts")
'analytics.marts.orders'
"""

from __future__ import annotations

from sqlglot import exp

# Dialects whose unquoted identifiers fold to upper case (quoted upper-case names are the same object).
_UPPER_FOLDING = frozenset({"snowflake", "oracle", "db2"})
# Dialects where identifiers are case-insensitive even when quoted.
_CASE_INSENSITIVE = frozenset({"bigquery", "mysql", "tsql", "hive", "spark", "spark2", "databricks", "duckdb"})

_folded: dict[tuple[str, bool, str | None], str] = {}


def fold(name: str, quoted: bool, dialect: str | None) -> str:
    """Normalize one identifier part (see the module docstring)."""
    key = (name, quoted, dialect)
    hit = _folded.get(key)
    if hit is not None:
        return hit
    if not quoted or dialect in _CASE_INSENSITIVE or dialect is None:
        out = name.lower()
    else:
        folded_case = name.upper() if dialect in _UPPER_FOLDING else name.lower()
        if name == folded_case and _is_plain(name):
            out = name.lower()
        else:
            out = '"' + name.replace('"', '""') + '"'
    if len(_folded) < 200_000:
        _folded[key] = out
    return out


def _is_plain(name: str) -> bool:
    return name.replace("_", "a").replace("$", "a").isalnum() and not name[:1].isdigit()


def identifier(node: exp.Expr | str | None, dialect: str | None) -> str:
    """The normalized text of an identifier-like node (Identifier, Var, Literal, Column …)."""
    if node is None:
        return ""
    if isinstance(node, str):  # some malformed inputs leave a bare string where a node belongs
        return node.lower()
    if isinstance(node, exp.Identifier):
        return fold(node.this, bool(node.quoted), dialect)
    if isinstance(node, exp.Literal):
        return str(node.this).lower()
    if isinstance(node, (exp.Var, exp.Parameter)):
        return node.name.lower()
    return node.name.lower()


def table_parts(table: exp.Table, dialect: str | None) -> list[str] | None:
    """Name parts of a plain table reference, or ``None`` when it is something else (a function …)."""
    this = table.this
    if isinstance(this, exp.Identifier):
        parts = [this]
    elif isinstance(this, exp.Dot):
        # Four-part T-SQL names (server.db.schema.table) nest the tail in a Dot.
        parts = [p for p in this.flatten() if isinstance(p, exp.Identifier)]
        if not parts:
            return None
    else:
        return None
    for key in ("db", "catalog"):
        part = table.args.get(key)
        if part is not None:
            parts.insert(0, part)
    out: list[str] = []
    for part in parts:
        if isinstance(part, exp.Identifier):
            text = part.this
            # BigQuery allows the whole path in one quoted identifier: `project.dataset.table`.
            if part.quoted and "." in text and dialect == "bigquery":
                out.extend(p.lower() for p in text.split("."))
                continue
            folded = fold(text, bool(part.quoted), dialect)
            # T-SQL ``#tmp`` parses as a flagged identifier; keep the sigil so it stays distinct.
            out.append("#" + folded if part.args.get("temporary") else folded)
        else:
            out.append(identifier(part, dialect))
    return out


def dotted(text: str, dialect: str | None) -> str:
    """Normalize a dotted name held in a string (``IDENTIFIER('DB.S.T')``, a variable's value)."""
    parts = []
    for raw in text.strip().split("."):
        if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"`":
            parts.append(fold(raw[1:-1], True, dialect))
        elif raw.startswith("[") and raw.endswith("]"):
            parts.append(fold(raw[1:-1], True, dialect))
        else:
            parts.append(raw.lower())
    return ".".join(parts)


def stage_name(text: str) -> str:
    """A Snowflake stage reference (``@db.s.stage/path/``) reduced to ``@db.s.stage``.

    User (``@~``) and table (``@%t``) stages keep their sigil. Paths below the stage are dropped:
    lineage is about the stage as a whole.
    """
    text = text.strip().strip("'")
    name = text.split("/", 1)[0]
    return name.lower()


def location_name(text: str) -> str:
    """An external location (``s3://bucket/path``) as lineage names it: the URL as written."""
    return text.strip().strip("'")


def qualify_name(name: str, *, database: str | None = None, schema: str | None = None) -> str:
    """Complete a name as written with a session's current database and schema.

    ``"t"`` → ``"db.s.t"``, ``"s.t"`` → ``"db.s.t"``; three-part names, stages (``@…``) and
    locations (``s3://…``) are returned unchanged. The parts added are lower-cased.
    """
    if name.startswith("@") or "://" in name or name.startswith("'"):
        return name
    depth = _count_parts(name)
    if depth == 1 and schema:
        name = f"{schema.lower()}.{name}"
        depth = 2
    if depth == 2 and database:
        name = f"{database.lower()}.{name}"
    return name


def _count_parts(name: str) -> int:
    count, quoted = 1, False
    for ch in name:
        if ch == '"':
            quoted = not quoted
        elif ch == "." and not quoted:
            count += 1
    return count
