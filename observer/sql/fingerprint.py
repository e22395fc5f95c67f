"""Query fingerprints: one stable hash per query *shape*, computed for every history row.

Two runs of the same dbt model on different dates, or the same dashboard query with other filter
values, differ only in literals, list lengths, comments, whitespace and case. The fingerprint
normalizes exactly those and hashes the rest:

- string and number literals vanish (``x = 'a'`` and ``x = 17`` both read ``x =``);
- ``IN (…)`` lists and multi-row literal ``VALUES`` become ``()``;
- comments (dbt's query comment, Looker's context comment …) are removed, runs of whitespace
  become one space, and everything is lower-cased (quoted identifiers too: two queries differing
  only in the case of a quoted name share a fingerprint);
- dbt's per-run temp relation suffix (``model__dbt_tmp153012123456``) is dropped.

The normal form is a canonical key, not meant for display. Computing it is two compiled-regex
substitutions with constant (empty) replacements and a ``split``/``join`` — no parse and no Python
code per token — because it runs on every row of a query history (see ``bench/lineage``).

>>> fingerprint("SELECT * FROM t WHERE id IN (1, 2, 3) -- one") == fingerprint("select *  from T where id in (42)")
True
>>> normalize("SELECT a FROM t WHERE d = '2024-05-01' AND n > 3")
'select a from t where d = and n >'
"""

from __future__ import annotations

import hashlib
import re

# Dialects where "…" is a string literal, not an identifier.
_DOUBLE_QUOTE_STRINGS = frozenset({"mysql", "bigquery", "hive", "spark", "spark2", "databricks", "sqlite", "doris", "starrocks"})

# Every branch starts with a literal character, which lets the regex engine skip in C to the next
# quote, dash, slash or dollar; and every match is replaced by the empty string — a constant
# template, so no Python code runs per match. Identifier quotes are left alone (an identifier
# holding a quote or ``--`` is the rare case this gives up on). Quoted strings are written
# "unrolled" (runs of plain characters, then one escape, then a run …): the same matches as
# ``'(?:[^'\\]|\\.|'')*'``, but a run is one tight loop instead of one alternation per character.
_BRANCHES = [
    r"'[^'\\]*(?:(?:\\.|'')[^'\\]*)*'",
    r"--[^\n]*",
    r"/\*.*?\*/",
    r"\$\$.*?\$\$",
]
_STRING_DQ = r'"[^"\\]*(?:(?:\\.|"")[^"\\]*)*"'

_LITERALS = {
    "ident": re.compile("|".join(_BRANCHES), re.S),
    "string": re.compile("|".join([*_BRANCHES, _STRING_DQ]), re.S),
    # MySQL alone also starts a comment with ``#``.
    "mysql": re.compile("|".join([*_BRANCHES, _STRING_DQ, r"#[^\n]*"]), re.S),
}
# A number not glued to an identifier (``t1``, ``$1``, ``@2``, ``a.b``): starts with a digit or a dot
# so the engine can scan for those in C, then looks back past that character.
_NUMBER = re.compile(r"[\d.](?<![\w$@:.][\d.])(?:(?<=\.)\d+|(?<=\d)\d*)(?:\.\d*)?(?:[eE][-+]?\d+)?(?![\w$])")
_LIST = re.compile(r"\([\s,]*\)(?:\s*,\s*\([\s,]*\))*")
_DBT_TMP = re.compile(r"(__dbt_tmp)\d+")


def normalize(sql: str, dialect: str | None = None) -> str:
    """The canonical text a fingerprint hashes (see the module docstring)."""
    text = sql
    if "'" in text or "--" in text or "/*" in text or '"' in text or "$$" in text or "#" in text:
        kind = "mysql" if dialect == "mysql" else "string" if dialect in _DOUBLE_QUOTE_STRINGS else "ident"
        text = _LITERALS[kind].sub("", text)
    text = _NUMBER.sub("", text)
    text = " ".join(text.lower().split())
    if "(," in text or "( ," in text or ",)" in text or ", )" in text or "()" in text:
        text = _LIST.sub("()", text)
    if "__dbt_tmp" in text:
        text = _DBT_TMP.sub(r"\1", text)
    return text.rstrip("; ")


def fingerprint(sql: str, dialect: str | None = None) -> str:
    """A 32-hex-digit hash of the query's shape in ``dialect`` (the dialect is part of the hash)."""
    text = normalize(sql, dialect)
    return hashlib.blake2b(f"{dialect or ''}\x1f{text}".encode(), digest_size=16).hexdigest()
