"""Resolve a query expression into a :class:`~observer.sql.relations.Relation`.

:class:`QueryResolver` walks one statement's query tree once: it registers the relations of every
FROM, JOIN and LATERAL item (base tables, CTEs, derived tables, table functions, temp tables of the
script), resolves each select-list expression to the base columns it reads, and records every base
table it meets. Subqueries in WHERE, HAVING, JOIN conditions and the select list are resolved too, so
their tables count as sources and a scalar subquery's columns flow into the column it computes.

Unqualified columns are resolved like a database would: a relation that surely has the column
(from a schema, a subquery's outputs or a table function's names) wins; otherwise an earlier select
alias (lateral column aliases of Snowflake, Databricks, Redshift, DuckDB); otherwise the only relation
that may have it. When several may, the column is reported as ambiguous in ``warnings`` rather than
guessed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlglot import exp

from observer.sql import names
from observer.sql.relations import (
    EMPTY,
    FLATTEN_COLUMNS,
    Deps,
    Relation,
    Schema,
    union_relations,
)


class BudgetExceeded(Exception):
    """Raised inside resolution when a statement's time budget is spent."""


@dataclass(slots=True)
class Scope:
    sources: dict[str, Relation] = field(default_factory=dict)
    parent: Scope | None = None
    aliases: dict[str, Deps] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    """Qualified spelling (``"raw.orders"``) → key in ``sources``, for ``raw.orders.id`` references."""


@dataclass(slots=True)
class ScriptState:
    """What one statement of a script leaves for the next: temp tables and variables."""

    temps: dict[str, Relation] = field(default_factory=dict)
    variables: dict[str, Deps] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    """Variables holding a string, for ``IDENTIFIER($v)`` table references."""


_FILE_FORMATS = frozenset({"json", "parquet", "csv", "delta", "orc", "text", "avro", "binaryfile", "iceberg"})
_SET_OPS = (exp.Union, exp.Intersect, exp.Except)
_SKIP_ARGS = frozenset({"expressions", "from_", "joins", "with_", "laterals", "into"})


class QueryResolver:
    """Resolves queries of one statement. ``tables`` collects the base tables read."""

    def __init__(
        self,
        dialect: str | None,
        schema: Schema,
        state: ScriptState,
        deadline: float | None = None,
    ) -> None:
        self.dialect = dialect
        self.schema = schema
        self.state = state
        self.deadline = deadline
        self.tables: set[str] = set()
        self.warnings: list[str] = []
        self.columns = True
        """False for a statement whose output feeds nothing (a plain SELECT): only tables are read."""
        self._ctes: list[dict[str, Relation]] = []

    # ── queries ──────────────────────────────────────────────────────────────────────────────────

    def query(self, node: exp.Expr, parent: Scope | None = None) -> Relation:
        """Resolve any query-like node (SELECT, set operation, subquery, VALUES)."""
        if self.deadline is not None and time.perf_counter() > self.deadline:
            raise BudgetExceeded
        if isinstance(node, exp.Subquery):
            pushed = self.push_ctes(node.args.get("with_"), parent)
            try:
                return self.query(node.this, parent)
            finally:
                if pushed:
                    self._ctes.pop()
        if isinstance(node, exp.Select):
            return self._select(node, parent)
        if isinstance(node, _SET_OPS):
            pushed = self.push_ctes(node.args.get("with_"), parent)
            try:
                parts = [self.query(node.this, parent), self.query(node.expression, parent)]
            finally:
                if pushed:
                    self._ctes.pop()
            return union_relations(parts)
        if isinstance(node, exp.Values):
            return self._values(node, parent)
        if isinstance(node, exp.Paren):
            return self.query(node.this, parent)
        if isinstance(node, exp.Table):
            scope = Scope(parent=parent)
            self._add_source(node, scope)
            rel = next(iter(scope.sources.values()), None)
            return Relation(outputs=rel.expand()) if rel else Relation()
        # Anything else (a DML statement in a CTE, a command): collect its tables, expose nothing.
        self.sweep(node, parent)
        return Relation()

    def _values(self, node: exp.Values, parent: Scope | None) -> Relation:
        rows = node.expressions
        width = len(rows[0].expressions) if rows and isinstance(rows[0], exp.Tuple) else 1
        deps = [EMPTY] * width
        for row in rows:
            items = row.expressions if isinstance(row, exp.Tuple) else [row]
            for i, item in enumerate(items[:width]):
                if not isinstance(item, exp.Literal):
                    deps[i] = deps[i] | self.expression(item, Scope(parent=parent))
        alias = node.args.get("alias")
        cols = [names.identifier(c, self.dialect) for c in alias.columns] if alias else []
        outputs = [(cols[i] if i < len(cols) else f"column{i + 1}", deps[i]) for i in range(width)]
        return Relation(outputs=outputs)

    def push_ctes(self, with_: exp.With | None, parent: Scope | None) -> bool:
        if with_ is None:
            return False
        frame: dict[str, Relation] = {}
        self._ctes.append(frame)
        recursive = bool(with_.args.get("recursive"))
        for cte in with_.expressions:
            name = names.identifier(cte.args["alias"].this, self.dialect)
            cols = [names.identifier(c, self.dialect) for c in cte.args["alias"].columns]
            body = cte.this
            if recursive and isinstance(body, exp.Union):
                anchor = self.query(body.this, parent).renamed(cols)
                frame[name] = anchor
                rest = self.query(body.expression, parent).renamed(cols)
                frame[name] = union_relations([anchor, rest])
            else:
                frame[name] = self.query(body, parent).renamed(cols)
        return True

    def _select(self, node: exp.Select, parent: Scope | None) -> Relation:
        pushed = self.push_ctes(node.args.get("with_"), parent)
        try:
            scope = Scope(parent=parent)
            from_ = node.args.get("from_")
            if from_ is not None:
                self._add_source(from_.this, scope)
            for join in node.args.get("joins") or ():
                self._add_source(join.this, scope)
            for lateral in node.args.get("laterals") or ():
                self._add_source(lateral, scope)
            outputs = self._projections(node, scope)
            for key, value in node.args.items():
                if key in _SKIP_ARGS or value is None:
                    continue
                for item in value if isinstance(value, list) else (value,):
                    if isinstance(item, exp.Expr):
                        self.sweep(item, scope)
            for join in node.args.get("joins") or ():
                for key in ("on", "using", "match_condition"):
                    cond = join.args.get(key)
                    if isinstance(cond, exp.Expr):
                        self.sweep(cond, scope)
        finally:
            if pushed:
                self._ctes.pop()
        return Relation(outputs=outputs)

    def _projections(self, node: exp.Select, scope: Scope) -> list[tuple[str, Deps]]:
        outputs: list[tuple[str, Deps]] = []
        for item in node.expressions:
            star = _star_of(item)
            if star is not None:
                outputs.extend(self._expand_star(item, star, scope))
                continue
            if isinstance(item, exp.EQ) and isinstance(item.this, exp.Parameter):
                # T-SQL ``SELECT @v = expr FROM …``: assigns a variable, outputs nothing.
                deps = self.expression(item.expression, scope)
                self.state.variables[names.identifier(item.this, self.dialect)] = deps
                continue
            name = _output_name(item, self.dialect)
            if not self.columns:
                self.sweep(item, scope)
                outputs.append((name, EMPTY))
                continue
            deps = self.expression(item, scope)
            outputs.append((name, deps))
            if name:
                scope.aliases.setdefault(name, deps)
        return outputs

    def _expand_star(self, item: exp.Expr, star: exp.Star, scope: Scope) -> list[tuple[str, Deps]]:
        table = item.args.get("table") if isinstance(item, exp.Column) else None
        if table is not None:
            rel = self._find_source(names.identifier(table, self.dialect), scope)
            rels = [rel] if rel is not None else []
        else:
            rels = list(scope.sources.values())
        excluded = {
            names.identifier(c.this if isinstance(c, exp.Column) else c, self.dialect)
            for c in star.args.get("except_") or star.args.get("except") or ()
        }
        replaced = {}
        for alias in star.args.get("replace") or ():
            if isinstance(alias, exp.Alias):
                replaced[names.identifier(alias.args["alias"], self.dialect)] = self.expression(
                    alias.this, scope
                )
        out: list[tuple[str, Deps]] = []
        for rel in rels:
            for name, deps in rel.expand():
                if name in excluded:
                    continue
                out.append((name, replaced.get(name, deps)))
        return out

    # ── sources ──────────────────────────────────────────────────────────────────────────────────

    def _add_source(self, node: exp.Expr, scope: Scope) -> None:
        alias_node = node.args.get("alias")
        alias = names.identifier(alias_node.this, self.dialect) if alias_node and alias_node.this else ""
        col_names = (
            [names.identifier(c, self.dialect) for c in alias_node.columns]
            if isinstance(alias_node, exp.TableAlias)
            else []
        )
        if isinstance(node, exp.Table):
            rel, key, qualified = self._table_relation(node, scope)
            if rel is None:
                return
            rel = rel.renamed(col_names)
            scope.sources[alias or key] = rel
            if not alias and qualified != key:
                scope.names[qualified] = key
            for join in node.args.get("joins") or ():
                self._add_source(join.this, scope)
            return
        if isinstance(node, exp.Subquery):
            lateral = isinstance(node.parent, exp.Lateral)
            rel = self.query(node.this, scope if lateral else scope.parent).renamed(col_names)
            for key in ("joins", "laterals"):
                for join in node.args.get(key) or ():
                    self._add_source(join.this if isinstance(join, exp.Join) else join, scope)
            scope.sources[alias or f"_subquery{len(scope.sources)}"] = rel
            return
        if isinstance(node, exp.Lateral):
            inner = node.this
            if isinstance(inner, exp.Subquery):
                rel = self.query(inner.this, scope).renamed(col_names)
                scope.sources[alias or f"_lateral{len(scope.sources)}"] = rel
                return
            self._function_source(inner, alias, col_names, scope, lateral=True)
            return
        if isinstance(node, (exp.Unnest, exp.TableFromRows, exp.Func)):
            self._function_source(node, alias, col_names, scope, lateral=False)
            return
        if isinstance(node, exp.Values):
            scope.sources[alias or f"_values{len(scope.sources)}"] = self._values(node, scope.parent)
            return
        self.sweep(node, scope)

    def _table_relation(self, node: exp.Table, scope: Scope) -> tuple[Relation | None, str, str]:
        parts = names.table_parts(node, self.dialect)
        if parts is None:
            inner = node.this
            if isinstance(inner, exp.DynamicIdentifier):
                target = self.dynamic_name(inner)
                if target is None:
                    return None, "", ""
                parts = target.split(".")
            elif isinstance(inner, exp.Anonymous) and str(inner.this).upper() == "IDENTIFIER" and inner.expressions:
                # Databricks ``IDENTIFIER('cat.db.t')`` parses as a function call.
                arg = inner.expressions[0]
                if not (isinstance(arg, exp.Literal) and arg.is_string):
                    return None, "", ""
                parts = names.dotted(arg.this, self.dialect).split(".")
            elif isinstance(inner, exp.Var) and str(inner.this).startswith("@"):
                # Snowflake ``SELECT $1 FROM @stage/path``: the stage is read.
                stage = names.stage_name(inner.this)
                self.tables.add(stage)
                return Relation(base=stage, known=False), node.alias or stage, stage
            else:
                alias = node.alias_or_name or f"_function{len(scope.sources)}"
                self._function_source(inner, names.fold(alias, False, None), [], scope, lateral=False)
                return None, "", ""
        if len(parts) == 2 and parts[0] in _FILE_FORMATS and ("/" in parts[1] or ":" in parts[1]):
            # Spark ``parquet.`s3://bucket/path``` reads files at a location.
            location = names.location_name(node.this.name)
            self.tables.add(location)
            return Relation(base=location, known=False), node.alias or location, location
        qualified = ".".join(parts)
        key = parts[-1]
        if len(parts) == 1:
            for frame in reversed(self._ctes):
                hit = frame.get(qualified)
                if hit is not None:
                    return hit, key, qualified
        temp = self.state.temps.get(qualified)
        if temp is not None:
            return temp, key, qualified
        self.tables.add(qualified)
        if node.args.get("pivots"):
            for pivot in node.args["pivots"]:
                self.sweep(pivot, scope)
            return Relation(base=qualified, known=False), key, qualified
        return Relation.table(qualified, self.schema.columns(qualified) if self.schema else None), key, qualified

    def dynamic_name(self, node: exp.DynamicIdentifier) -> str | None:
        """The table named by ``IDENTIFIER('db.s.t')`` or ``IDENTIFIER($var)``."""
        inner = node.this
        if isinstance(inner, exp.Literal) and inner.is_string:
            return names.dotted(inner.this, self.dialect)
        value = self.state.values.get(names.identifier(inner, self.dialect))
        if value is None:
            self.warnings.append(f"table name from unknown variable {inner.sql()}")
        return value

    def _function_source(
        self, node: exp.Expr, alias: str, col_names: list[str], scope: Scope, *, lateral: bool
    ) -> None:
        deps = self.expression(node, scope)
        if col_names:
            out_names = col_names
        elif isinstance(node, exp.Explode) or _is_flatten(node):
            out_names = list(FLATTEN_COLUMNS)
        else:
            out_names = [alias] if alias else ["value"]
        offset = node.args.get("offset") if isinstance(node, exp.Unnest) else None
        rel = Relation.function(out_names, deps)
        if isinstance(offset, exp.Identifier):
            rel.outputs.append((names.identifier(offset, self.dialect), EMPTY))
        scope.sources[alias or f"_function{len(scope.sources)}"] = rel

    def _find_source(self, qualifier: str, scope: Scope | None) -> Relation | None:
        while scope is not None:
            rel = scope.sources.get(qualifier)
            if rel is not None:
                return rel
            key = scope.names.get(qualifier)
            if key is not None:
                return scope.sources[key]
            scope = scope.parent
        return None

    # ── expressions and columns ──────────────────────────────────────────────────────────────────

    def expression(self, node: exp.Expr, scope: Scope) -> Deps:
        """Base columns an expression reads (subqueries resolved, variables followed)."""
        found: set[str] = set()
        stack = [node]
        while stack:
            cur = stack.pop()
            if isinstance(cur, exp.Column):
                if not isinstance(cur.this, exp.Star):
                    found |= self.column(cur, scope)
                continue
            if isinstance(cur, exp.Query):
                rel = self.query(cur, scope)
                for _, deps in rel.expand():
                    found |= deps
                continue
            if isinstance(cur, (exp.Parameter, exp.SessionParameter, exp.Placeholder)):
                var = self.state.variables.get(names.identifier(cur, self.dialect))
                if var:
                    found |= var
                continue
            stack.extend(cur.iter_expressions())
        return frozenset(found)

    def sweep(self, node: exp.Expr, scope: Scope | None) -> None:
        """Resolve the queries inside ``node`` for their tables (WHERE, HAVING, JOIN … ON)."""
        if not isinstance(node, (exp.Query, exp.Table)) and node.find(exp.Query, exp.Table) is None:
            return  # the common case: a plain condition, checked by sqlglot's compiled walk
        stack = [node]
        while stack:
            cur = stack.pop()
            if isinstance(cur, exp.Query):
                self.query(cur, scope)
                continue
            if isinstance(cur, exp.Table) and names.table_parts(cur, self.dialect) is not None:
                self.query(cur, scope)
                continue
            stack.extend(cur.iter_expressions())

    def column(self, col: exp.Column, scope: Scope) -> Deps:
        name = names.identifier(col.this, self.dialect)
        table = col.args.get("table")
        if table is not None:
            qualifier = names.identifier(table, self.dialect)
            db = col.args.get("db")
            if db is not None:
                full = names.identifier(db, self.dialect) + "." + qualifier
                catalog = col.args.get("catalog")
                if catalog is not None:
                    full = names.identifier(catalog, self.dialect) + "." + full
                rel = self._find_source(full, scope)
                if rel is not None:
                    return rel.lookup(name) or EMPTY
                # ``alias.struct_col.field``: the qualifier is a column of ``alias``.
                rel = self._find_source(names.identifier(db, self.dialect), scope)
                if rel is not None:
                    return rel.lookup(qualifier) or EMPTY
            rel = self._find_source(qualifier, scope)
            if rel is not None:
                return rel.lookup(name) or EMPTY
            # ``struct_col.field`` on an unqualified struct column.
            return self._unqualified(qualifier, scope, col)
        return self._unqualified(name, scope, col)

    def _unqualified(self, name: str, scope: Scope, col: exp.Expr) -> Deps:
        cur: Scope | None = scope
        while cur is not None:
            sure = [rel for rel in cur.sources.values() if rel.has(name)]
            if len(sure) == 1:
                return sure[0].lookup(name) or EMPTY
            if len(sure) > 1:
                self.warnings.append(f"ambiguous column {name}")
                return frozenset().union(*(rel.lookup(name) or EMPTY for rel in sure))
            if cur.parent is None and name in self.state.variables:
                # A declared script variable (BigQuery ``DECLARE x``) is not a column.
                return self.state.variables[name]
            alias = cur.aliases.get(name)
            if alias is not None:
                return alias
            maybe = [rel for rel in cur.sources.values() if rel.has(name) is None]
            if len(maybe) == 1:
                return maybe[0].lookup(name) or EMPTY
            if len(maybe) > 1:
                self.warnings.append(f"ambiguous column {name}")
                return EMPTY
            cur = cur.parent
        deps = self.state.variables.get(name)
        if deps is not None:
            return deps
        return EMPTY


def _star_of(item: exp.Expr) -> exp.Star | None:
    if isinstance(item, exp.Star):
        return item
    if isinstance(item, exp.Column) and isinstance(item.this, exp.Star):
        return item.this
    return None


def _output_name(item: exp.Expr, dialect: str | None) -> str:
    """The name a select-list item gets: its alias, or its column's name; "" for other expressions.

    (Warehouses name unaliased expressions differently, e.g. ``A::INT`` in Snowflake and ``a`` in
    PostgreSQL; lineage does not guess those.)
    """
    if isinstance(item, exp.Alias):
        return names.identifier(item.args["alias"], dialect)
    if isinstance(item, exp.Column):
        return names.identifier(item.this, dialect)
    return ""


def _is_flatten(node: exp.Expr) -> bool:
    return type(node).__name__ in {"Flatten", "Explode", "ExplodeOuter", "Posexplode"} or (
        isinstance(node, exp.Anonymous) and str(node.this).lower() == "flatten"
    )
