"""Statements that are commands rather than queries: variables, exports and parser fallbacks.

A mixin of :class:`observer.sql.statements.ScriptLineage`, kept apart to keep each module about
one thing. It handles ``SET`` / ``DECLARE`` (variables carry the columns they were computed from;
string variables can name tables through ``IDENTIFIER($v)``), BigQuery ``EXPORT DATA``, and the
statements sqlglot keeps as opaque commands, read by pattern: Redshift ``UNLOAD`` and
``ALTER TABLE … APPEND FROM``, MySQL ``REPLACE INTO`` and ``RENAME TABLE``, Databricks
``OPTIMIZE`` / ``VACUUM``, and ``CREATE … AS SELECT`` with clauses the parser does not know.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlglot import exp

from observer.sql import names
from observer.sql.relations import EMPTY, Relation
from observer.sql.resolve import QueryResolver, Scope, ScriptState

if TYPE_CHECKING:
    from observer.sql.moves import TableMoves


class CommandStatements:
    """Handlers for commands; expects the attributes and methods of ScriptLineage."""

    dialect: str | None
    state: ScriptState
    sources: set[str]
    targets: set[str]
    pairs: set[tuple[str, str]]
    moves: TableMoves

    def write(self, target: str, cols: list[str], rel: Relation, temp: bool, *, by_name: bool = False) -> None:
        raise NotImplementedError

    def _insert(self, node: exp.Insert, r: QueryResolver, scope: Scope | None = None) -> str:
        raise NotImplementedError

    def _assign(self, left: exp.Expr, value: exp.Expr | None, r: QueryResolver) -> None:
        targets = left.expressions if isinstance(left, exp.Tuple) else (left if isinstance(left, list) else [left])
        names_ = [names.identifier(t.this if isinstance(t, exp.Column) else t, self.dialect) for t in targets]
        if value is None:
            for name in names_:
                self.state.variables.setdefault(name, EMPTY)
            return
        if len(names_) > 1:
            rel = r.query(value.this if isinstance(value, exp.Subquery) else value) if isinstance(value, (exp.Subquery, exp.Query)) else None
            for i, name in enumerate(names_):
                if rel is not None and i < len(rel.outputs):
                    self.state.variables[name] = rel.outputs[i][1]
                elif isinstance(value, exp.Tuple) and i < len(value.expressions):
                    self.state.variables[name] = r.expression(value.expressions[i], Scope())
            return
        name = names_[0]
        if isinstance(value, exp.Literal) and value.is_string:
            self.state.values[name] = names.dotted(value.this, self.dialect)
            self.state.variables[name] = EMPTY
            return
        self.state.variables[name] = r.expression(value, Scope())

    def _use(self, node: exp.Use, r: QueryResolver) -> str:
        return "USE"

    def _set(self, node: exp.Set, r: QueryResolver) -> str:
        for item in node.expressions:
            eq = item.this if isinstance(item, exp.SetItem) else item
            if isinstance(eq, exp.EQ):
                self._assign(eq.this, eq.expression, r)
        return "SET"

    def _declare(self, node: exp.Declare, r: QueryResolver) -> str:
        for item in node.expressions:
            if isinstance(item, exp.DeclareItem):
                default = item.args.get("default")
                self._assign(item.this, default if isinstance(default, exp.Expr) else None, r)
        return "DECLARE"

    def _export(self, node: exp.Export, r: QueryResolver) -> str:
        if isinstance(node.this, exp.Expr):
            r.query(node.this)
        options = node.args.get("options")
        for prop in options.expressions if options is not None else ():
            if isinstance(prop, exp.Property) and prop.name.lower() == "uri":
                self.targets.add(names.location_name(str(prop.args["value"].this)))
        return "EXPORT"

    def _command(self, node: exp.Command, r: QueryResolver) -> str:
        keyword = str(node.this).upper()
        expr = node.args.get("expression")
        rest = str(expr.this) if isinstance(expr, exp.Expr) else str(expr or "")
        if keyword == "UNLOAD":
            match = _UNLOAD.match(rest)
            if match:
                from observer.sql.parse import parse_statements

                inner = match.group("query").replace("''", "'").replace("\\'", "'")
                for tree, _ in parse_statements(inner, self.dialect).statements:
                    r.query(tree)
                self.targets.add(names.location_name(match.group("to")))
            return "UNLOAD"
        if keyword == "REPLACE" and rest.lstrip().upper().startswith("INTO"):
            from observer.sql.parse import parse_statements

            for tree, _ in parse_statements("INSERT " + rest, self.dialect).statements:
                if isinstance(tree, exp.Insert):
                    self._insert(tree, r)
            return "INSERT"
        if keyword == "CREATE":
            # Clauses the parser does not know (``ON COMMIT DROP`` …): read name and query by pattern.
            match = _CREATE_AS.match(rest)
            if match:
                from observer.sql.parse import parse_statements

                target = names.dotted(match.group("name"), self.dialect)
                temp = bool(match.group("temp")) or target in self.state.temps
                for tree, _ in parse_statements(match.group("query"), self.dialect).statements:
                    self.write(target, [], r.query(tree), temp)
                    break
                return f"CREATE {match.group('kind').upper()}"
            return "CREATE"
        if keyword in {"OPTIMIZE", "VACUUM"}:
            # Databricks / Delta maintenance rewrites the table's files: it is work on that table.
            match = re.match(rf"\s*(?:TABLE\s+)?{_NAME}", rest, re.I)
            if match and not match.group(1).startswith(("'", "/")):
                self.targets.add(names.dotted(match.group(1), self.dialect))
            return keyword
        if keyword == "RENAME":
            # MySQL ``RENAME TABLE a TO b, c TO d``.
            body = re.sub(r"^\s*TABLES?\s+", "", rest, flags=re.I)
            for pair in body.split(","):
                match = _RENAME_PAIR.match(pair)
                if match:
                    old_name = names.dotted(match.group(1), self.dialect)
                    new_name = names.dotted(match.group(2), self.dialect)
                    self.moves.rename(old_name, new_name, self.targets, self.sources, self.pairs)
            return "RENAME"
        if keyword == "ALTER":
            # Redshift ``ALTER TABLE t APPEND FROM s`` moves s's rows into t.
            match = _APPEND.match(rest)
            if match:
                self.targets.add(names.dotted(match.group(1), self.dialect))
                self.sources.add(names.dotted(match.group(2), self.dialect))
                return "ALTER APPEND"
            return "ALTER"
        return keyword



_NAME = r"((?:[\w$]+|\"[^\"]+\"|`[^`]+`|\[[^\]]+\])(?:\.(?:[\w$]+|\"[^\"]+\"|`[^`]+`|\[[^\]]+\]))*)"
_RENAME_PAIR = re.compile(rf"\s*{_NAME}\s+TO\s+{_NAME}\s*;?\s*$", re.I)
_CREATE_AS = re.compile(
    rf"\s*(?:OR\s+REPLACE\s+)?(?:(?:GLOBAL|LOCAL)\s+)?(?P<temp>TEMP\s+|TEMPORARY\s+|VOLATILE\s+)?"
    rf"(?:\w+\s+)?(?P<kind>TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>{_NAME[1:-1]}).*?"
    rf"\bAS\s+(?P<query>\(?\s*(?:SELECT|WITH)\b.*)$",
    re.I | re.S,
)
_APPEND = re.compile(rf"\s*TABLE\s+{_NAME}\s+APPEND\s+FROM\s+{_NAME}", re.I)
_UNLOAD = re.compile(r"\s*\(\s*'(?P<query>(?:[^'\\]|''|\\.)*)'\s*\)\s*TO\s*'(?P<to>[^']*)'", re.I | re.S)
