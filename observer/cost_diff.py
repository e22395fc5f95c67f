"""Month over month: what moved the bill, the queries behind each move, and who owns them.

"The Snowflake bill is 4× last month — what happened, and whose is it?" is answered by ranking the
keys of each dimension (team, asset, query shape, warehouse) by how much their spend changed, and
for each mover listing the query shapes that changed most inside it, each with a sample query, its
user and its attribution (owner, team, rule and reason).

:func:`rank_movers` is pure; :func:`cost_diff` reads the two months from the store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from observer.cost_report import CostRow, check_month, cost_report, previous_month
from observer.store.costs import UNATTRIBUTED, FingerprintCost, query_samples, top_fingerprints

DIMENSIONS = ("team", "asset", "fingerprint", "warehouse")
SAMPLE_CHARS = 400


@dataclass(frozen=True)
class QueryShape:
    """One query shape (fingerprint) inside a mover, with a sample query and who pays for it."""

    fingerprint: str | None
    before_usd: float
    after_usd: float
    queries_before: int
    queries_after: int
    sample_query_id: str | None = None
    sample_text: str | None = None
    user_name: str | None = None
    warehouse: str | None = None
    owner: str | None = None
    team: str | None = None
    asset: str | None = None
    rule: str | None = None
    reason: str | None = None

    @property
    def delta_usd(self) -> float:
        return self.after_usd - self.before_usd

    def to_json(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "before_usd": round(self.before_usd, 2),
            "after_usd": round(self.after_usd, 2),
            "delta_usd": round(self.delta_usd, 2),
            "queries_before": self.queries_before,
            "queries_after": self.queries_after,
            "sample_query_id": self.sample_query_id,
            "sample_text": self.sample_text,
            "user": self.user_name,
            "warehouse": self.warehouse,
            "owner": self.owner,
            "team": self.team,
            "asset": self.asset,
            "rule": self.rule,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Mover:
    dimension: str
    key: str
    before_usd: float
    after_usd: float
    before_credits: float
    after_credits: float
    queries_before: int
    queries_after: int
    shapes: tuple[QueryShape, ...] = ()
    """The query shapes behind the change, biggest change first."""

    @property
    def delta_usd(self) -> float:
        return self.after_usd - self.before_usd

    @property
    def change(self) -> float | None:
        """Relative change (0.5 = +50 %); ``None`` when there was no spend before."""
        return None if self.before_usd <= 0 else self.after_usd / self.before_usd - 1.0

    def to_json(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "key": self.key,
            "before_usd": round(self.before_usd, 2),
            "after_usd": round(self.after_usd, 2),
            "delta_usd": round(self.delta_usd, 2),
            "change": None if self.change is None else round(self.change, 4),
            "before_credits": round(self.before_credits, 6),
            "after_credits": round(self.after_credits, 6),
            "queries_before": self.queries_before,
            "queries_after": self.queries_after,
            "queries": [s.to_json() for s in self.shapes],
        }


@dataclass(frozen=True)
class CostDiff:
    month: str
    previous: str
    before_usd: float
    after_usd: float
    movers: Mapping[str, tuple[Mover, ...]]

    @property
    def delta_usd(self) -> float:
        return self.after_usd - self.before_usd

    def to_json(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "previous": self.previous,
            "before_usd": round(self.before_usd, 2),
            "after_usd": round(self.after_usd, 2),
            "delta_usd": round(self.delta_usd, 2),
            "movers": {dim: [m.to_json() for m in movers] for dim, movers in self.movers.items()},
        }


def rank_movers(before: Sequence[CostRow], after: Sequence[CostRow], *, dimension: str, top: int) -> list[Mover]:
    """The ``top`` keys whose spend changed most (by absolute dollars; ties by key), without shapes."""
    old = {r.key: r for r in before}
    new = {r.key: r for r in after}
    empty = CostRow("", 0.0, 0.0, 0)
    movers = [
        Mover(
            dimension, key,
            old.get(key, empty).cost_usd, new.get(key, empty).cost_usd,
            old.get(key, empty).credits, new.get(key, empty).credits,
            old.get(key, empty).queries, new.get(key, empty).queries,
        )
        for key in set(old) | set(new)
    ]
    movers.sort(key=lambda m: (-abs(m.delta_usd), m.key))
    return [m for m in movers[:top] if abs(m.delta_usd) >= 0.005]


def _shapes(conn: Connection, month: str, previous: str, mover: Mover, limit: int) -> tuple[QueryShape, ...]:
    if mover.key.startswith("idle:") or limit <= 0:
        return ()
    where = {mover.dimension: mover.key}
    after = {f.fingerprint: f for f in top_fingerprints(conn, month, where, limit=max(limit * 4, 20))}
    before = {f.fingerprint: f for f in top_fingerprints(conn, previous, where, limit=max(limit * 4, 20))}
    zero = FingerprintCost(None, 0.0, 0.0, 0, None)
    combined = sorted(
        set(after) | set(before),
        key=lambda fp: (-abs(after.get(fp, zero).cost_usd - before.get(fp, zero).cost_usd), fp or ""),
    )[:limit]
    samples = query_samples(
        conn, [q for fp in combined for q in (after.get(fp, zero).sample_query_id or before.get(fp, zero).sample_query_id,) if q]
    )
    out = []
    for fp in combined:
        a, b = after.get(fp, zero), before.get(fp, zero)
        qid = a.sample_query_id or b.sample_query_id
        s = samples.get(qid) if qid else None
        out.append(
            QueryShape(
                fp, b.cost_usd, a.cost_usd, b.queries, a.queries, qid,
                s.text[:SAMPLE_CHARS] if s and s.text else None,
                s.user_name if s else None, s.warehouse if s else None, s.owner if s else None,
                s.team if s else None, s.asset_key if s else None, s.rule if s else None, s.reason if s else None,
            )
        )
    return tuple(out)


def cost_diff(
    conn: Connection,
    month: str,
    *,
    dimensions: Sequence[str] = DIMENSIONS,
    top: int = 5,
    shapes: int = 3,
    filters: Mapping[str, str | None] | None = None,
) -> CostDiff:
    """``month`` against the month before: the top movers per dimension and the queries behind them."""
    check_month(month)
    previous = previous_month(month)
    movers: dict[str, tuple[Mover, ...]] = {}
    totals_before = totals_after = 0.0
    for i, dim in enumerate(dimensions):
        before = cost_report(conn, previous, dim, filters)
        after = cost_report(conn, month, dim, filters)
        if i == 0:
            totals_before = sum(r.cost_usd for r in before)
            totals_after = sum(r.cost_usd for r in after)
        ranked = rank_movers(before, after, dimension=dim, top=top)
        movers[dim] = tuple(
            Mover(**{**m.__dict__, "shapes": _shapes(conn, month, previous, m, shapes)}) for m in ranked
        )
    return CostDiff(month, previous, totals_before, totals_after, movers)


__all__ = ["DIMENSIONS", "UNATTRIBUTED", "CostDiff", "Mover", "QueryShape", "cost_diff", "rank_movers"]
