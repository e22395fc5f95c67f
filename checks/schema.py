"""``schema``: columns added, removed, renamed or retyped — and who downstream is hit.

Each run snapshots the columns of every table and view in scope from one catalog read
(``information_schema.columns``) and stores a snapshot when it differs from the last one. The check
compares each asset's two latest snapshots (whoever recorded them: this check, a warehouse collector
or snapshot files). A removed, renamed or retyped column that feeds downstream columns (column-level
lineage, followed transitively) raises the severity and lists every impacted column.

The result for a change keeps its key (the new schema's digest) until the schema changes again, so
it is stored — and alerted — once, and stays failed until someone acknowledges it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import ClassVar

from pydantic import Field
from sqlalchemy import Connection

from checks.targets import WarehouseScope, discover, open_targets
from observer.model import AssetKey, CheckResult, CheckStatus, Column, Severity
from observer.plugins import RunContext
from observer.store.lineage import downstream_edges
from observer.store.schemas import SchemaSnapshot, latest_snapshots, record_snapshots

MAX_DEPTH = 12


class SchemaConfig(WarehouseScope):
    views: bool = Field(True, description="also watch views")


@dataclass(frozen=True)
class SchemaDiff:
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    renamed: tuple[tuple[str, str], ...] = ()
    retyped: tuple[tuple[str, str | None, str | None], ...] = ()

    @property
    def breaking(self) -> tuple[str, ...]:
        """Old column names whose consumers may break: removed, renamed away or retyped."""
        return (*self.removed, *(old for old, _ in self.renamed), *(name for name, _, _ in self.retyped))

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.renamed or self.retyped)

    def describe(self) -> str:
        parts = [f"renamed {o} → {n}" for o, n in self.renamed]
        parts += [f"removed {c}" for c in self.removed]
        parts += [f"{c}: {a} → {b}" for c, a, b in self.retyped]
        parts += [f"added {c}" for c in self.added]
        return "; ".join(parts)


def diff_columns(
    old: tuple[Column, ...] | list[Column], new: tuple[Column, ...] | list[Column]
) -> SchemaDiff:
    """What changed from ``old`` to ``new``; a column that vanished while one of the same type appeared
    at the same position (or the only such pair) is a rename."""
    before = {c.name.lower(): c for c in old}
    after = {c.name.lower(): c for c in new}
    removed = [before[n] for n in before if n not in after]
    added = [after[n] for n in after if n not in before]
    renamed: list[tuple[str, str]] = []
    for gone in list(removed):
        same_type = [a for a in added if (a.data_type or "").lower() == (gone.data_type or "").lower()]
        pick = [a for a in same_type if a.position == gone.position] or (
            same_type if len(same_type) == 1 and len(removed) == 1 else []
        )
        if pick:
            renamed.append((gone.name, pick[0].name))
            removed.remove(gone)
            added.remove(pick[0])
    retyped = [
        (after[n].name, before[n].data_type, after[n].data_type)
        for n in before
        if n in after and (before[n].data_type or "").lower() != (after[n].data_type or "").lower()
    ]
    return SchemaDiff(
        tuple(a.name for a in added), tuple(r.name for r in removed), tuple(renamed), tuple(retyped)
    )


def downstream_columns(conn: Connection, asset: AssetKey, columns: tuple[str, ...]) -> list[str]:
    """Every column fed, directly or transitively, by ``asset``'s ``columns`` (``asset.column`` names)."""
    impacted: list[str] = []
    seen: set[tuple[AssetKey, str]] = set()
    queue = deque((asset, c.lower(), 0) for c in columns)
    edges_of: dict[AssetKey, list] = {}
    while queue:
        key, column, depth = queue.popleft()
        if depth >= MAX_DEPTH:
            continue
        if key not in edges_of:
            edges_of[key] = downstream_edges(conn, key, columns=True)
        for edge in edges_of[key]:
            if (edge.upstream_column or "").lower() != column:
                continue
            target = (edge.downstream, (edge.downstream_column or "").lower())
            if target in seen:
                continue
            seen.add(target)
            impacted.append(f"{edge.downstream.name}.{target[1]}")
            queue.append((edge.downstream, target[1], depth + 1))
    return impacted


@dataclass
class _Verdict:
    diff: SchemaDiff
    impacted: list[str] = field(default_factory=list)


class SchemaCheck:
    name: ClassVar[str] = "schema"
    config_model: ClassVar[type[SchemaConfig]] = SchemaConfig

    def __init__(self, config: SchemaConfig, check_name: str) -> None:
        self.config = config
        self.check_name = check_name

    def run(self, ctx: RunContext) -> list[CheckResult]:
        warehouse = open_targets(ctx, self.config, self.check_name)
        engine = warehouse.engine()
        try:
            with engine.connect() as conn:
                targets = discover(conn, warehouse, self.config, with_stats=False, views=self.config.views)
        finally:
            engine.dispose()
        keys = list(targets.tables)
        results = []
        with ctx.store.transaction() as conn:
            record_snapshots(conn, [(k, targets.columns[targets.tables[k]]) for k in keys], ctx.now)
            versions = latest_snapshots(conn, keys, versions=2)
            for key in keys:
                snaps = versions.get(key, [])
                verdict = None
                if len(snaps) == 2:
                    diff = diff_columns(snaps[1].columns, snaps[0].columns)
                    impacted = downstream_columns(conn, key, diff.breaking) if diff.breaking else []
                    verdict = _Verdict(diff, impacted)
                results.append(self._result(key, snaps, verdict, ctx))
        return results

    def _result(
        self, key: AssetKey, snaps: list[SchemaSnapshot], verdict: _Verdict | None, ctx: RunContext
    ) -> CheckResult:
        base = {
            "check": self.check_name,
            "check_type": "schema",
            "asset": key,
            "evaluated_at": ctx.now,
            "run_key": snaps[0].digest if snaps else "none",
        }
        if verdict is None or not verdict.diff:
            count = len(snaps[0].columns) if snaps else 0
            message = (
                f"{count} columns, unchanged" if len(snaps) == 2 else f"{count} columns (first snapshot)"
            )
            return CheckResult(status=CheckStatus.PASS, severity=Severity.LOW, message=message, **base)
        diff, impacted = verdict.diff, verdict.impacted
        observed = {
            "added": list(diff.added),
            "removed": list(diff.removed),
            "renamed": [{"from": o, "to": n} for o, n in diff.renamed],
            "type_changed": [{"column": c, "from": a, "to": b} for c, a, b in diff.retyped],
            "downstream_impacted": impacted,
            "previous_snapshot_at": snaps[1].taken_at.isoformat(),
            "snapshot_at": snaps[0].taken_at.isoformat(),
        }
        if not diff.breaking:
            return CheckResult(
                status=CheckStatus.WARN,
                severity=Severity.LOW,
                observed=observed,
                message=f"schema changed: {diff.describe()}",
                **base,
            )
        severity = Severity.CRITICAL if len(impacted) > 5 else Severity.HIGH if impacted else Severity.MEDIUM
        tail = f"; {len(impacted)} downstream columns affected: {', '.join(impacted[:6])}" if impacted else ""
        return CheckResult(
            status=CheckStatus.FAIL,
            severity=severity,
            observed=observed,
            message=f"schema changed: {diff.describe()}{tail}",
            **base,
        )
