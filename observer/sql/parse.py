"""Bounded parsing: SQL text → sqlglot statements, or a reason why not, within a budget.

Query history holds everything people and tools send to a warehouse, including megabyte-long
``INSERT … VALUES`` loads, generated ``IN (…)`` lists of ten thousand ids and machine-written SQL
nested hundreds of levels deep. Parsing must never raise out of ingestion or stall it, so every
statement goes through :func:`parse_statements`, which

1. collapses long literal lists (``VALUES`` rows, ``IN`` lists) to their first item — they cost
   parse time and carry no lineage;
2. refuses text longer than :attr:`Limits.max_chars` or nested deeper than :attr:`Limits.max_depth`
   parentheses (the parser recurses per level), before any parsing;
3. tokenizes once and refuses more than :attr:`Limits.max_tokens` tokens, which bounds parse time
   (the parser is linear in tokens: about 8 µs of CPU a token here, so under a second at the
   limit), and
4. parses the tokens; a script whose whole parse fails is split at semicolons and each statement is
   parsed on its own, so one bad statement does not hide the lineage of the others.

No threads or signals are used: the bounds are checked up front and the resolver checks a deadline
as it goes (:class:`observer.sql.resolve.BudgetExceeded`).
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from itertools import accumulate

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError
from sqlglot.parser import Parser
from sqlglot.tokenizer_core import Token, TokenType
from sqlglot.tokens import Tokenizer

# sqlglot logs a warning for every statement it keeps as an opaque Command; that is data here.
logging.getLogger("sqlglot").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Limits:
    """Bounds applied to one SQL text before and while parsing it."""

    max_chars: int = 2_000_000
    max_depth: int = 150
    max_tokens: int = 100_000
    budget_s: float = 2.0
    """Wall-clock seconds the lineage resolver may spend on one text after parsing."""


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Parsed:
    """Statements that parsed (with their source text) and one error line per statement that did not."""

    statements: tuple[tuple[exp.Expr, str], ...]
    errors: tuple[str, ...]


_LIT = r"(?:'(?:[^'\\]|''|\\.)*'|[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|NULL|null|TRUE|FALSE|true|false)"
_TUPLE = rf"\(\s*{_LIT}(?:\s*,\s*{_LIT})*\s*\)"
_VALUES_ROWS = re.compile(rf"({_TUPLE})(?:\s*,\s*{_TUPLE})+")
_LONG_LIST = re.compile(rf"\(\s*({_LIT})(?:\s*,\s*{_LIT}){{8,}}\s*\)")
_PARENS = re.compile(r"[^()]+")
_DEPTH_STEP = {"(": 1, ")": -1}

COLLAPSE_ABOVE = 20_000
"""Texts longer than this have their literal lists collapsed before parsing."""


def collapse_literal_lists(sql: str) -> str:
    """Keep the first row of multi-row literal ``VALUES`` and the first item of long literal lists."""
    sql = _VALUES_ROWS.sub(r"\1", sql)
    return _LONG_LIST.sub(r"(\1)", sql)


def paren_depth(sql: str) -> int:
    """Deepest parenthesis nesting in ``sql`` (parentheses inside strings count too: an upper bound)."""
    only = _PARENS.sub("", sql)
    if not only:
        return 0
    return max(accumulate(_DEPTH_STEP[c] for c in only))


def parse_statements(sql: str, dialect: str | None, limits: Limits = DEFAULT_LIMITS) -> Parsed:
    """Parse ``sql`` (one statement or a script) into statements, never raising for bad input."""
    if len(sql) > COLLAPSE_ABOVE:
        sql = collapse_literal_lists(sql)
    if len(sql) > limits.max_chars:
        return Parsed((), (f"statement too long: {len(sql)} characters (limit {limits.max_chars})",))
    depth = paren_depth(sql) if sql.count("(") > limits.max_depth else 0
    if depth > limits.max_depth:
        return Parsed((), (f"nesting too deep: {depth} levels of parentheses (limit {limits.max_depth})",))
    try:
        dia, tokenizer, parser = _tools(dialect)
    except (ValueError, SqlglotError) as err:
        return Parsed((), (f"unknown dialect {dialect!r}: {err}",))
    try:
        tokens = tokenizer.tokenize(sql)
    except (SqlglotError, ValueError, RecursionError) as err:
        return Parsed((), (_describe(err),))
    if len(tokens) > limits.max_tokens:
        return Parsed((), (f"statement too long: {len(tokens)} tokens (limit {limits.max_tokens})",))
    try:
        trees = parser.parse(tokens, sql)
    except (SqlglotError, ValueError, RecursionError, TypeError, AttributeError, KeyError, IndexError):
        return _parse_each(sql, tokens, dia)
    found = [t for t in trees if t is not None]
    chunks = _split_text(sql, tokens)
    if len(chunks) != len(found):
        chunks = [sql] * len(found)
    return Parsed(tuple(zip(found, chunks, strict=True)), ())


_local = threading.local()


def _tools(dialect: str | None) -> tuple[Dialect, Tokenizer, Parser]:
    """One dialect, tokenizer and parser per dialect and thread: building them costs ~100 µs each."""
    cache: dict[str | None, tuple[Dialect, Tokenizer, Parser]] | None = getattr(_local, "tools", None)
    if cache is None:
        cache = _local.tools = {}
    tools = cache.get(dialect)
    if tools is None:
        dia = Dialect.get_or_raise(dialect)
        tools = cache[dialect] = (dia, dia.tokenizer(), dia.parser())
    return tools


def _parse_each(sql: str, tokens: list[Token], dia: Dialect) -> Parsed:
    statements: list[tuple[exp.Expr, str]] = []
    errors: list[str] = []
    for chunk_tokens, text in _split_tokens(sql, tokens):
        try:
            for tree in dia.parser().parse(chunk_tokens, text):
                if tree is not None:
                    statements.append((tree, text))
        except (SqlglotError, ValueError, RecursionError, TypeError, AttributeError, KeyError, IndexError) as err:
            errors.append(_describe(err, text))
    return Parsed(tuple(statements), tuple(errors))


def _split_tokens(sql: str, tokens: list[Token]) -> list[tuple[list[Token], str]]:
    chunks: list[tuple[list[Token], str]] = []
    current: list[Token] = []
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if current:
                chunks.append((current, sql[current[0].start : current[-1].end + 1]))
            current = []
        else:
            current.append(token)
    if current:
        chunks.append((current, sql[current[0].start : current[-1].end + 1]))
    return chunks


def _split_text(sql: str, tokens: list[Token]) -> list[str]:
    if ";" not in sql or not any(t.token_type == TokenType.SEMICOLON for t in tokens):
        return [sql]
    return [text for _, text in _split_tokens(sql, tokens)]


def _describe(err: BaseException, text: str | None = None) -> str:
    if isinstance(err, RecursionError):
        return "nesting too deep for the parser"
    message = str(err).splitlines()[0] if str(err) else type(err).__name__
    if isinstance(err, sqlglot.errors.ParseError) and err.errors:
        first = err.errors[0]
        description = re.sub(r" but got <Token[^>]*>", "", str(first.get("description")))
        message = f"{description} (line {first.get('line')}, col {first.get('col')})"
    if text is not None and len(text) > 60:
        text = text[:57] + "..."
    return f"{message}: {text}" if text else message
