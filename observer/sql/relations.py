"""Relations: what a FROM item exposes to the query that reads it, and which base columns feed it.

Column lineage is computed by resolving every query into a :class:`Relation` — an ordered list of
output columns, each with the set of *base* columns (``"table.column"``) its value depends on — and by
resolving each column reference against the relations in scope. The pieces:

- a **base table** exposes any column ``c`` as ``{"table.c"}`` (its column list comes from the
  optional schema; without one, every name is accepted);
- a **derived** relation (subquery, CTE, view body, temp table of the same script) exposes its
  outputs; an unexpanded ``*`` of an unknown table is kept as a *star* and forwards unknown names;
- a **table function** (``UNNEST``, ``FLATTEN``, ``EXPLODE`` …) exposes its named outputs, each
  depending on the columns of its arguments.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

Deps = frozenset[str]
EMPTY: Deps = frozenset()

# Columns Snowflake's FLATTEN returns.
FLATTEN_COLUMNS = ("seq", "key", "path", "index", "value", "this")


@dataclass(slots=True)
class Relation:
    """One relation in scope.

    ``outputs`` keeps select-list order; an unexpanded ``*`` of an unknown table is an output named
    ``"*"`` whose dependencies are ``{"t.*"}``.
    """

    outputs: list[tuple[str, Deps]] = field(default_factory=list)
    base: str | None = None
    known: bool = True
    """For a base table: whether its column list came from a schema."""
    function_deps: Deps | None = None
    """For a table function: what every output column depends on."""
    _index: dict[str, Deps] | None = None
    _stars: tuple[str, ...] = ()

    @classmethod
    def table(cls, name: str, columns: Iterable[str] | None) -> Relation:
        if columns is None:
            return cls(base=name, known=False)
        return cls(outputs=[(c, frozenset((f"{name}.{c}",))) for c in columns], base=name)

    @classmethod
    def function(cls, names: Iterable[str], deps: Deps) -> Relation:
        return cls(outputs=[(n, deps) for n in names], function_deps=deps)

    def index(self) -> dict[str, Deps]:
        if self._index is None:
            idx: dict[str, Deps] = {}
            stars: list[str] = []
            for name, deps in self.outputs:
                if name == "*":
                    stars.extend(deps)
                elif name and name not in idx:
                    idx[name] = deps
            self._index = idx
            self._stars = tuple(stars)
        return self._index

    @property
    def stars(self) -> tuple[str, ...]:
        """``"t.*"`` markers of the unexpanded stars among the outputs."""
        self.index()
        return self._stars

    def has(self, name: str) -> bool | None:
        """True if this relation surely exposes ``name``, False if surely not, None if unknown."""
        if name in self.index():
            return True
        if self.function_deps is not None:
            return False
        if self.base is not None:
            return None if not self.known else False
        return None if self._stars else False

    def lookup(self, name: str) -> Deps | None:
        """Base columns behind output ``name``; None when this relation cannot say."""
        hit = self.index().get(name)
        if hit is not None:
            return hit
        if self.function_deps is not None:
            return self.function_deps
        if self.base is not None:
            return frozenset((f"{self.base}.{name}",))
        if len(self._stars) == 1:
            return frozenset((f"{self._stars[0][:-2]}.{name}",))
        return None

    def expand(self) -> list[tuple[str, Deps]]:
        """Output columns for ``*`` (a base table without schema gives ``("*", {"t.*"})``)."""
        if self.base is not None and not self.known:
            return [("*", frozenset((f"{self.base}.*",)))]
        return list(self.outputs)

    def renamed(self, names: list[str]) -> Relation:
        """The relation seen through a column alias list ``AS x(a, b)``."""
        if not names:
            return self
        outputs = [(names[i] if i < len(names) else n, d) for i, (n, d) in enumerate(self.outputs)]
        if len(names) > len(self.outputs):
            extra = self.function_deps if self.function_deps is not None else EMPTY
            if self.base is not None:
                outputs.extend((n, frozenset((f"{self.base}.{n}",))) for n in names[len(self.outputs) :])
            else:
                outputs.extend((n, extra) for n in names[len(self.outputs) :])
        return Relation(outputs=outputs, function_deps=self.function_deps)


def union_relations(parts: list[Relation]) -> Relation:
    """Positional merge of set-operation branches: names from the first, dependencies from all."""
    first = parts[0]
    outputs = first.expand()
    for other in parts[1:]:
        for i, (name, deps) in enumerate(other.expand()):
            if i < len(outputs):
                mine_name, mine = outputs[i]
                outputs[i] = (mine_name, mine | deps)
            elif name == "*":
                outputs.append((name, deps))
    return Relation(outputs=outputs)


def star_marker(deps: Deps) -> str | None:
    for dep in deps:
        if dep.endswith(".*"):
            return dep
    return None


class Schema:
    """Column names per table, looked up by the name as written (exact, then unique suffix match).

    Accepts ``{"db.s.t": ["a", "b"]}``, ``{"t": {"a": "int"}}`` or nested ``{"db": {"s": {"t": {...}}}}``
    mappings (sqlglot's ``MappingSchema`` shape). Names are lower-cased.
    """

    def __init__(self, mapping: Mapping[str, object] | None = None) -> None:
        self.tables: dict[str, tuple[str, ...]] = {}
        self._suffix: dict[str, list[str]] = {}
        if mapping:
            self._flatten(mapping, ())

    def _flatten(self, mapping: Mapping[str, object], prefix: tuple[str, ...]) -> None:
        for key, value in mapping.items():
            path = (*prefix, *(p.strip('"`').lower() for p in str(key).split(".")))
            if isinstance(value, Mapping) and value and all(isinstance(v, Mapping) for v in value.values()):
                self._flatten(value, path)
            elif isinstance(value, Mapping):
                self._add(path, [str(c) for c in value])
            elif isinstance(value, (list, tuple)):
                self._add(path, [str(c) for c in value])

    def _add(self, path: tuple[str, ...], columns: list[str]) -> None:
        name = ".".join(path)
        self.tables[name] = tuple(c.strip('"`').lower() for c in columns)
        for i in range(1, len(path)):
            self._suffix.setdefault(".".join(path[i:]), []).append(name)

    def __bool__(self) -> bool:
        return bool(self.tables)

    def columns(self, name: str) -> tuple[str, ...] | None:
        hit = self.tables.get(name)
        if hit is not None:
            return hit
        candidates = self._suffix.get(name)
        if candidates and len(candidates) == 1:
            return self.tables[candidates[0]]
        # A schema keyed by a shorter name (``events``) than the query writes (``raw.app.events``).
        parts = name.split(".")
        for i in range(1, len(parts)):
            hit = self.tables.get(".".join(parts[i:]))
            if hit is not None:
                return hit
        return None
