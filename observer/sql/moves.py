"""Tables that a script builds, renames, swaps and drops: seeing through the build-and-swap dance.

Deployment tools rarely write a table in place. dbt on PostgreSQL builds ``t__dbt_tmp``, renames
``t`` to ``t__dbt_backup``, renames ``t__dbt_tmp`` to ``t`` and drops the backup; Snowflake users
build ``t__new`` and ``SWAP WITH`` it. Reported naively, such a script "writes" three tables and
"reads" the table it replaces. :class:`TableMoves` follows the data instead:

- a table **produced** by the script (created, or renamed / swapped into) and later renamed away or
  dropped is an intermediate: lineage passes through it (``src → tmp.c`` and ``tmp.c → t.c``
  compose to ``src → t.c``) and it is reported neither as source nor as target;
- renaming a table the script did not produce moves its data: ``old`` is a source, ``new`` a target
  — unless ``new`` is itself dropped later (the backup of the dance), in which case nothing flowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TableMoves:
    produced: set[str] = field(default_factory=set)
    moves: list[tuple[str, str]] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)

    def created(self, name: str) -> None:
        self.produced.add(name)
        self.gone.discard(name)

    def rename(self, old: str, new: str, targets: set[str], sources: set[str], pairs: set[tuple[str, str]]) -> None:
        if old in self.produced:
            _compose_through(old, pairs)
            _retarget(old, new, pairs)
            self._dissolve(old, targets, sources)
        else:
            self.moves.append((old, new))
        targets.add(new)
        self.created(new)

    def swap(self, a: str, b: str, targets: set[str], pairs: set[tuple[str, str]]) -> None:
        a_made, b_made = a in self.produced, b in self.produced
        into_a = {p for p in pairs if _table_of(p[1]) == a}
        into_b = {p for p in pairs if _table_of(p[1]) == b}
        pairs -= into_a | into_b
        pairs |= {(s, b + t[len(a) :]) for s, t in into_a}
        pairs |= {(s, a + t[len(b) :]) for s, t in into_b}
        if not a_made:
            self.moves.append((a, b))
        if not b_made:
            self.moves.append((b, a))
        targets.update((a, b))
        self.produced.update((a, b))

    def drop(self, name: str, targets: set[str], sources: set[str], pairs: set[tuple[str, str]]) -> bool:
        """Handle ``DROP name``; returns False when the table was not produced by this script."""
        if name not in self.produced:
            return False
        _compose_through(name, pairs)
        pairs -= {p for p in pairs if _table_of(p[1]) == name}
        self._dissolve(name, targets, sources)
        self.moves = [(s, d) for s, d in self.moves if d != name]
        return True

    def _dissolve(self, name: str, targets: set[str], sources: set[str]) -> None:
        self.produced.discard(name)
        self.gone.add(name)
        targets.discard(name)
        sources.discard(name)

    def finish(self, sources: set[str], targets: set[str], pairs: set[tuple[str, str]]) -> None:
        """Add the sources of surviving moves and drop pairs that still mention intermediates."""
        sources.update(s for s, d in self.moves if d not in self.gone)
        stale = {p for p in pairs if _table_of(p[0]) in self.gone or _table_of(p[1]) in self.gone}
        pairs -= stale


def _table_of(column: str) -> str:
    return column.rsplit(".", 1)[0]


def _retarget(old: str, new: str, pairs: set[tuple[str, str]]) -> None:
    moved = {p for p in pairs if _table_of(p[1]) == old}
    pairs -= moved
    pairs |= {(s, new + t[len(old) :]) for s, t in moved}


def _compose_through(table: str, pairs: set[tuple[str, str]]) -> None:
    """Replace reads of ``table``'s columns by the columns that fed them."""
    incoming: dict[str, set[str]] = {}
    for s, t in pairs:
        if _table_of(t) == table:
            incoming.setdefault(t[len(table) + 1 :], set()).add(s)
    reads = {p for p in pairs if _table_of(p[0]) == table}
    if not reads:
        return
    pairs -= reads
    for s, t in reads:
        col = s[len(table) + 1 :]
        feeders = set(incoming.get(col, ()))
        if col != "*":
            # ``src.* → table.*`` feeds ``table.c`` from ``src.c``.
            feeders |= {f[:-1] + col if f.endswith(".*") else f for f in incoming.get("*", ())}
            pairs |= {(f, t) for f in feeders}
        else:
            for fcol, fsrcs in incoming.items():
                tgt = t if fcol == "*" or not t.endswith(".*") else t[:-1] + fcol
                pairs |= {(f, tgt) for f in fsrcs}
