"""Per-statement lineage: what each kind of statement reads and writes, and column by column how.

:class:`ScriptLineage` consumes the parsed statements of one script in order. Each statement kind
has a handler that finds its targets, resolves its query with :class:`~observer.sql.resolve.QueryResolver`
and maps output columns onto target columns:

- by the statement's column list (``INSERT INTO t (a, b)``, ``CREATE VIEW v (a, b)``);
- else, when a schema knows the target's columns and the query has no unexpanded ``*``, by position;
- else by output name (``SELECT x AS a`` feeds ``t.a``); an unexpanded ``s.*`` feeds ``t.*``.

Temp tables (``CREATE TEMP TABLE``, ``#tmp``, temporary views, ``SELECT … INTO #tmp``) are
intermediates: what they hold is remembered and read through by later statements of the script,
and they appear neither as sources nor as targets. Variables (``SET``, ``DECLARE``, T-SQL
``SELECT @v = …``) carry the columns they were computed from, and a string variable can name a
table through Snowflake's ``IDENTIFIER($v)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from observer.sql import names
from observer.sql.commands import CommandStatements
from observer.sql.moves import TableMoves
from observer.sql.relations import EMPTY, Deps, Relation, Schema
from observer.sql.resolve import QueryResolver, Scope, ScriptState

# Statements that read and write no table data (metadata, session and transaction control).
_NO_LINEAGE = frozenset(
    {"Show", "Describe", "Transaction", "Commit", "Rollback", "Grant", "Revoke", "Pragma", "Analyze", "Comment"}
)
_RENAME_IN_PLACE = frozenset({"postgres", "redshift", "bigquery", "duckdb"})

_STATEMENT_TYPES: dict[type, str] = {
    exp.Select: "SELECT",
    exp.Union: "SELECT",
    exp.Intersect: "SELECT",
    exp.Except: "SELECT",
    exp.Insert: "INSERT",
    exp.MultitableInserts: "INSERT",
    exp.Merge: "MERGE",
    exp.Update: "UPDATE",
    exp.Delete: "DELETE",
    exp.Copy: "COPY",
    exp.TruncateTable: "TRUNCATE",
    exp.Drop: "DROP",
    exp.Alter: "ALTER",
    exp.Set: "SET",
    exp.Declare: "DECLARE",
    exp.Use: "USE",
    exp.Export: "EXPORT",
}


@dataclass
class ScriptLineage(CommandStatements):
    """Accumulates the lineage of a script, statement after statement."""

    dialect: str | None
    schema: Schema
    deadline: float | None = None
    state: ScriptState = field(default_factory=ScriptState)
    sources: set[str] = field(default_factory=set)
    targets: set[str] = field(default_factory=set)
    pairs: set[tuple[str, str]] = field(default_factory=set)
    types: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    temp_names: set[str] = field(default_factory=set)
    moves: TableMoves = field(default_factory=TableMoves)

    def add(self, node: exp.Expr, text: str = "") -> None:
        """Add one parsed statement. May raise :class:`~observer.sql.resolve.BudgetExceeded`."""
        resolver = QueryResolver(self.dialect, self.schema, self.state, self.deadline)
        with_ = node.args.get("with_") if not isinstance(node, exp.Query) else None
        if isinstance(with_, exp.With):
            # ``WITH … INSERT/MERGE/CREATE``: the CTEs are visible to the whole statement.
            resolver.push_ctes(with_, None)
        kind = self._dispatch(node, resolver, text)
        self.types.append(kind)
        self.sources |= resolver.tables
        self.warnings.extend(resolver.warnings)

    def finish(self) -> tuple[set[str], set[str], set[tuple[str, str]]]:
        """Sources, targets and column pairs, temp tables removed."""
        temps = self.temp_names
        sources, targets, pairs = set(self.sources), set(self.targets), set(self.pairs)
        self.moves.finish(sources, targets, pairs)
        sources = {s for s in sources if s not in temps}
        targets = {t for t in targets if t not in temps}
        pairs = {(s, t) for s, t in pairs if s.rsplit(".", 1)[0] not in temps}
        return sources, targets, pairs

    # ── dispatch ─────────────────────────────────────────────────────────────────────────────────

    def _dispatch(self, node: exp.Expr, r: QueryResolver, text: str) -> str:
        if isinstance(node, exp.Select) and node.args.get("into") is not None:
            return self._select_into(node, r)
        if isinstance(node, exp.Query):
            # A plain query's output feeds no table: its columns need not be resolved.
            r.columns = False
            r.query(node)
            return "SELECT"
        if type(node).__name__ in _NO_LINEAGE:
            return type(node).__name__.upper()
        handler = getattr(self, "_" + type(node).__name__.lower(), None)
        if handler is not None:
            result: str = handler(node, r)
            return result
        if isinstance(node, exp.Command):
            return self._command(node, r)
        r.sweep(node, None)
        return _STATEMENT_TYPES.get(type(node), type(node).__name__.upper())

    # ── writes ───────────────────────────────────────────────────────────────────────────────────

    def _target(self, node: exp.Expr | None, r: QueryResolver) -> tuple[str | None, list[str], bool]:
        """Target name, column list and whether it is a temp table, from a Table or Schema node."""
        cols: list[str] = []
        if isinstance(node, exp.Schema):
            cols = [names.identifier(c, self.dialect) for c in node.expressions if not isinstance(c, exp.ColumnDef)]
            cols += [names.identifier(c.this, self.dialect) for c in node.expressions if isinstance(c, exp.ColumnDef)]
            node = node.this
        if not isinstance(node, exp.Table):
            return None, cols, False
        parts = names.table_parts(node, self.dialect)
        if parts is None:
            if isinstance(node.this, exp.DynamicIdentifier):
                name = r.dynamic_name(node.this)
                return name, cols, name in self.state.temps if name else False
            return None, cols, False
        name = ".".join(parts)
        temp = name.startswith("#") or name in self.state.temps
        return name, cols, temp

    def write(self, target: str, cols: list[str], rel: Relation, temp: bool, *, by_name: bool = False) -> None:
        """Record that ``rel``'s rows are written into ``target``."""
        mapped = self._map_columns(target, cols, rel, by_name)
        if temp:
            self.temp_names.add(target)
            known = self.state.temps.get(target)
            outputs = list(mapped)
            if known is not None:
                # INSERT into a temp table of this script: its columns now hold both feeds.
                added = dict(o for o in mapped if o[0] != "*")
                outputs = [(c, d | added.pop(c, EMPTY)) if c != "*" else (c, d) for c, d in known.outputs]
                outputs += [(c, d) for c, d in mapped if c == "*" or c in added]
            self.state.temps[target] = Relation(outputs=outputs)
            return
        self.targets.add(target)
        for col, deps in mapped:
            tgt = f"{target}.{col}"
            for dep in deps:
                if col == "*" or not dep.endswith(".*"):
                    self.pairs.add((dep, tgt))

    def _map_columns(self, target: str, cols: list[str], rel: Relation, by_name: bool) -> list[tuple[str, Deps]]:
        outputs = rel.expand()
        has_star = any(name == "*" for name, _ in outputs)
        if not cols and not by_name and not has_star:
            temp = self.state.temps.get(target)
            if temp is not None:
                known: tuple[str, ...] | None = tuple(n for n, _ in temp.outputs if n != "*")
            else:
                known = self.schema.columns(target) if self.schema else None
            if known and len(known) == len(outputs):
                cols = list(known)
        if cols and not by_name:
            mapped: list[tuple[str, Deps]] = []
            for i, (name, deps) in enumerate(outputs):
                if name == "*":
                    mapped.append(("*", deps))
                    break
                if i < len(cols):
                    mapped.append((cols[i], deps))
            return mapped
        return [(name, deps) for name, deps in outputs if name]

    def _select_into(self, node: exp.Select, r: QueryResolver) -> str:
        into = node.args["into"]
        rel = r.query(node)
        target, cols, temp = self._target(into.this, r)
        if target:
            temp = temp or bool(into.args.get("temporary"))
            self.write(target, cols, rel, temp)
            if not temp:
                self.moves.created(target)
        return "SELECT INTO"

    def _insert(self, node: exp.Insert, r: QueryResolver, scope: Scope | None = None) -> str:
        if isinstance(node.this, exp.Directory):
            # Hive ``INSERT OVERWRITE DIRECTORY 'path' SELECT …`` writes files at a location.
            r.query(node.expression, scope)
            self.targets.add(names.location_name(str(node.this.this.this)))
            return "INSERT"
        target, cols, temp = self._target(node.this, r)
        query = node.expression
        rel = r.query(query, scope) if query is not None else Relation()
        for key in ("where", "conflict", "returning"):
            part = node.args.get(key)
            if isinstance(part, exp.Expr):
                r.sweep(part, None)
        if target:
            self.write(target, cols, rel, temp, by_name=bool(node.args.get("by_name")))
        return "INSERT"

    def _multitableinserts(self, node: exp.MultitableInserts, r: QueryResolver) -> str:
        source = node.args.get("source")
        scope = Scope()
        if isinstance(source, exp.Table):
            # Hive: ``FROM s INSERT … SELECT a INSERT … SELECT b`` — each SELECT reads s.
            r._add_source(source, scope)
            for insert in node.expressions:
                if isinstance(insert, exp.Insert):
                    self._insert(insert, r, scope)
            return "INSERT"
        rel = r.query(source) if source is not None else Relation()
        scope.sources["_source"] = rel
        for cond in node.expressions:
            insert = cond.this if isinstance(cond, exp.ConditionalInsert) else cond
            if isinstance(cond, exp.ConditionalInsert) and cond.expression is not None:
                r.expression(cond.expression, scope)
            target, cols, temp = self._target(insert.this, r)
            if not target:
                continue
            values = insert.expression
            if isinstance(values, exp.Values) and values.expressions:
                row = values.expressions[0]
                items = row.expressions if isinstance(row, exp.Tuple) else [row]
                vrel = Relation(outputs=[(_name_of(i, self.dialect), r.expression(i, scope)) for i in items])
                self.write(target, cols, vrel, temp)
            else:
                self.write(target, cols, rel, temp)
        return "INSERT"

    def _create(self, node: exp.Create, r: QueryResolver) -> str:
        kind = str(node.args.get("kind") or "").upper()
        if kind not in {"TABLE", "VIEW"}:
            return f"CREATE {kind}".strip()
        props = node.args.get("properties")
        temp = bool(props and any(isinstance(p, exp.TemporaryProperty) for p in props.expressions))
        target, cols, was_temp = self._target(node.this, r)
        if target is None:
            return f"CREATE {kind}"
        temp = temp or target.startswith("#")
        if not temp and was_temp:
            # A permanent table replacing a temp name of this script is a real table again.
            self.state.temps.pop(target, None)
            self.temp_names.discard(target)
        if not temp:
            self.moves.created(target)
        query = node.expression
        if isinstance(query, exp.Expr) and isinstance(query, (exp.Query, exp.Subquery, exp.Values)):
            rel = r.query(query)
            self.write(target, cols, rel, temp)
            return f"CREATE {kind} AS" if kind == "TABLE" else f"CREATE {kind}"
        clone = node.args.get("clone")
        like = props and next((p for p in props.expressions if isinstance(p, exp.LikeProperty)), None)
        origin = clone.this if clone is not None else (like.this if like is not None else None)
        if isinstance(origin, exp.Table):
            r.query(origin)
            source = ".".join(names.table_parts(origin, self.dialect) or [])
            known = self.state.temps.get(source)
            if known is not None and temp:
                self.state.temps[target] = known
        if temp:
            self.temp_names.add(target)
            self.state.temps.setdefault(target, Relation(outputs=[(c, EMPTY) for c in cols]))
        else:
            self.targets.add(target)
        return f"CREATE {kind}"

    def _merge(self, node: exp.Merge, r: QueryResolver) -> str:
        target, _, temp = self._target(node.this, r)
        if target is None:
            return "MERGE"
        scope = Scope()
        alias = node.this.alias if isinstance(node.this, exp.Table) else ""
        target_rel = self.state.temps.get(target) or Relation.table(target, self.schema.columns(target) if self.schema else None)
        scope.sources[names.fold(alias, False, None) if alias else target.split(".")[-1]] = target_rel
        if alias:
            scope.names[target] = names.fold(alias, False, None)
        using = node.args.get("using")
        if using is not None:
            r._add_source(using, scope)
        using_rel = scope.sources[list(scope.sources)[-1]] if len(scope.sources) > 1 else Relation()
        on = node.args.get("on")
        if isinstance(on, exp.Expr):
            r.sweep(on, scope)
        mapped: list[tuple[str, Deps]] = []
        whens = node.args.get("whens")
        for when in whens.expressions if whens is not None else ():
            cond = when.args.get("condition")
            if isinstance(cond, exp.Expr):
                r.sweep(cond, scope)
            then = when.args.get("then")
            if isinstance(then, exp.Update):
                mapped.extend(self._assignments(then.expressions, using_rel, r, scope))
            elif isinstance(then, exp.Insert):
                cols_node = then.this
                values = then.expression
                if isinstance(cols_node, exp.Star) or cols_node is None:
                    mapped.extend((n, d) for n, d in using_rel.expand() if n)
                    continue
                cols = [names.identifier(c.this if isinstance(c, exp.Column) else c, self.dialect)
                        for c in (cols_node.expressions if isinstance(cols_node, (exp.Tuple, exp.Schema)) else [cols_node])]
                items = values.expressions if isinstance(values, exp.Tuple) else ([values] if values else [])
                mapped.extend((c, r.expression(v, scope)) for c, v in zip(cols, items, strict=False))
        self.write(target, [], Relation(outputs=mapped), temp)
        return "MERGE"

    def _assignments(self, items: list[exp.Expr], star_rel: Relation, r: QueryResolver, scope: Scope) -> list[tuple[str, Deps]]:
        mapped: list[tuple[str, Deps]] = []
        for item in items:
            if isinstance(item, exp.Star):
                mapped.extend((n, d) for n, d in star_rel.expand() if n)
            elif isinstance(item, exp.EQ):
                left = item.this
                col = left.this if isinstance(left, exp.Column) else left
                mapped.append((names.identifier(col, self.dialect), r.expression(item.expression, scope)))
        return mapped

    def _update(self, node: exp.Update, r: QueryResolver) -> str:
        target_node = node.this
        target, _, temp = self._target(target_node, r)
        scope = Scope()
        if target is not None:
            alias = target_node.alias if isinstance(target_node, exp.Table) else ""
            key = names.fold(alias, False, None) if alias else target.split(".")[-1]
            scope.sources[key] = self.state.temps.get(target) or Relation.table(
                target, self.schema.columns(target) if self.schema else None
            )
            if alias:
                scope.names[target] = key
            for join in target_node.args.get("joins") or ():
                r._add_source(join.this, scope)
                on = join.args.get("on")
                if isinstance(on, exp.Expr):
                    r.sweep(on, scope)
        from_ = node.args.get("from_")
        if from_ is not None:
            r._add_source(from_.this, scope)
        for join in node.args.get("joins") or ():
            r._add_source(join.this, scope)
        where = node.args.get("where")
        if isinstance(where, exp.Expr):
            r.sweep(where, scope)
        mapped = self._assignments(node.expressions, Relation(), r, scope)
        if target:
            target = self._alias_target(target, scope, r)
            self.write(target, [], Relation(outputs=mapped), temp)
        return "UPDATE"

    def _alias_target(self, target: str, scope: Scope, r: QueryResolver) -> str:
        """T-SQL ``UPDATE a … FROM dbo.t a``: the named target is an alias of a FROM table."""
        if "." in target:
            return target
        for key, rel in scope.sources.items():
            if key == target and rel.base is not None and rel.base != target:
                r.tables.discard(rel.base)
                return rel.base
        return target

    def _delete(self, node: exp.Delete, r: QueryResolver) -> str:
        target, _, temp = self._target(node.this, r)
        scope = Scope()
        if target is not None:
            scope.sources[target.split(".")[-1]] = Relation.table(target, None)
        if isinstance(node.this, exp.Table):
            # ``DELETE a FROM t a JOIN s …`` (T-SQL, MySQL): the joined tables are read.
            for join in node.this.args.get("joins") or ():
                r._add_source(join.this, scope)
                on = join.args.get("on")
                if isinstance(on, exp.Expr):
                    r.sweep(on, scope)
        for using in node.args.get("using") or ():
            r._add_source(using, scope)
        from_ = node.args.get("from_")
        if from_ is not None:
            r._add_source(from_.this, scope)
        for join in node.args.get("joins") or ():
            r._add_source(join.this, scope)
        where = node.args.get("where")
        if isinstance(where, exp.Expr):
            r.sweep(where, scope)
        if target and not temp:
            self.targets.add(self._alias_target(target, scope, r))
        return "DELETE"

    def _copy(self, node: exp.Copy, r: QueryResolver) -> str:
        this = node.this
        files = node.args.get("files") or []
        if isinstance(this, exp.Schema):
            this = this.this
        loading = bool(node.args.get("kind")) and isinstance(this, exp.Table) and names.table_parts(this, self.dialect)
        if loading:
            target, _, temp = self._target(this, r)
            for f in files:
                self._copy_location(f, r, into_sources=True)
            if target and not temp:
                self.targets.add(target)
            return "COPY"
        # Unload: COPY INTO @stage / 's3://…' FROM t | (query), or PostgreSQL COPY t | (query) TO 'file'.
        if isinstance(this, (exp.Table, exp.Subquery)) and not node.args.get("kind"):
            r.query(this)
            for f in files:
                self._copy_location(f, r, into_sources=False)
            return "UNLOAD"
        self._copy_location(this, r, into_sources=False)
        for f in files:
            r.query(f) if isinstance(f, (exp.Table, exp.Subquery)) else None
        return "UNLOAD"

    def _copy_location(self, node: exp.Expr, r: QueryResolver, *, into_sources: bool) -> None:
        bucket = self.sources if into_sources else self.targets
        inner = node.this if isinstance(node, exp.Table) and not isinstance(node.this, exp.Identifier) else node
        if isinstance(inner, exp.Var) and str(inner.this).startswith("@"):
            bucket.add(names.stage_name(inner.this))
        elif isinstance(inner, exp.Literal) and inner.is_string:
            text = inner.this
            bucket.add(names.stage_name(text) if text.startswith("@") else names.location_name(text))
        elif isinstance(node, (exp.Subquery, exp.Table)) and into_sources:
            r.query(node)

    def _truncatetable(self, node: exp.TruncateTable, r: QueryResolver) -> str:
        for table in node.expressions:
            target, _, temp = self._target(table, r)
            if target and not temp:
                self.targets.add(target)
        return "TRUNCATE"

    def _drop(self, node: exp.Drop, r: QueryResolver) -> str:
        kind = str(node.args.get("kind") or "").upper()
        if kind not in {"TABLE", "VIEW", "MATERIALIZED VIEW", "DYNAMIC TABLE"}:
            return f"DROP {kind}".strip()
        for table in node.args.get("tables") or ([node.this] if node.this is not None else []):
            target, _, temp = self._target(table, r)
            if target and not temp:
                if not self.moves.drop(target, self.targets, self.sources, self.pairs):
                    self.targets.add(target)
            elif target:
                self.state.temps.pop(target, None)
        return "DROP"

    def _alter(self, node: exp.Alter, r: QueryResolver) -> str:
        name, _, temp = self._target(node.this, r)
        if name is None:
            return "ALTER"
        for action in node.args.get("actions") or ():
            if isinstance(action, exp.AlterRename):
                new, _, _ = self._target(action.this, r)
                if new and "." not in new and "." in name:
                    # PostgreSQL, Redshift and BigQuery rename within the table's own schema / dataset.
                    new = name.rsplit(".", 1)[0] + "." + new if self.dialect in _RENAME_IN_PLACE else new
                if temp:
                    self.state.temps[new or name] = self.state.temps.pop(name)
                    self.temp_names.add(new or name)
                    continue
                if new:
                    self.moves.rename(name, new, self.targets, self.sources, self.pairs)
                return "ALTER RENAME"
            if isinstance(action, exp.SwapTable):
                other, _, _ = self._target(action.this, r)
                if other:
                    self.moves.swap(name, other, self.targets, self.pairs)
                return "ALTER SWAP"
        if not temp:
            self.targets.add(name)
        return "ALTER"


def _name_of(item: exp.Expr, dialect: str | None) -> str:
    if isinstance(item, exp.Column):
        return names.identifier(item.this, dialect)
    if isinstance(item, exp.Alias):
        return names.identifier(item.args["alias"], dialect)
    return ""


def statement_type(node: exp.Expr) -> str:
    """A short name for a statement's kind (``INSERT``, ``CREATE TABLE AS`` …) without resolving it."""
    if isinstance(node, exp.Create):
        kind = str(node.args.get("kind") or "").upper()
        return f"CREATE {kind} AS" if kind == "TABLE" and node.expression is not None else f"CREATE {kind}"
    if isinstance(node, exp.Command):
        return str(node.this).upper()
    return _STATEMENT_TYPES.get(type(node), type(node).__name__.upper())
