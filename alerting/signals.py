"""Signals: one observation about one (check, subject) — healthy or not — in a form incidents understand.

Check results from the checks stage and cost findings from the cost model both become signals, so
the incident lifecycle has a single input. A signal whose ``status`` is ``fail``, ``warn`` or
``error`` is *failing*; ``pass`` is healthy and resolves an open incident; skipped results carry no
information and produce no signal.

>>> from datetime import datetime, timezone
>>> from observer.model import AssetKey, CheckResult, CheckStatus
>>> r = CheckResult("freshness", "freshness", AssetKey("duckdb", "analytics.raw.payments"),
...                 CheckStatus.FAIL, datetime(2026, 11, 20, tzinfo=timezone.utc), "no load for 50h")
>>> signal_from_result(r).title
'payments is late'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from observer.model import AssetKey, CheckResult, CheckStatus, Severity

FAILING = frozenset({CheckStatus.FAIL, CheckStatus.WARN, CheckStatus.ERROR})

_TITLES = {
    "freshness": "{name} is late",
    "volume": "{name} has an unusual row count",
    "schema": "{name} changed its schema",
    "quality": "{name} failed {check}",
    "dbt_test": "{name} failed dbt test {check}",
}


@dataclass(frozen=True)
class Signal:
    check: str
    """Stable check name; with ``asset`` it identifies the incident."""
    kind: str
    """``freshness``, ``volume``, ``schema``, ``quality``, ``dbt_test``, ``budget``, ``spend_jump`` …"""
    asset: AssetKey | None
    status: CheckStatus
    severity: Severity
    title: str
    summary: str
    evaluated_at: datetime
    observed: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    expected: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    team: str | None = None
    """Set when the signal itself knows whose it is (cost findings); else ownership decides."""
    owner: str | None = None
    cause: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    """The run or query behind the observation: ``{"run_id": …}`` or ``{"query_id": …}``."""
    result_id: int | None = None

    @property
    def failing(self) -> bool:
        return self.status in FAILING


def title_for(kind: str, check: str, asset: AssetKey | None, status: CheckStatus) -> str:
    """A short human title: ``orders is late``, ``orders failed not_null(order_id)``."""
    name = asset.short_name if asset is not None else check
    if status == CheckStatus.ERROR:
        return f"{check} could not run on {name}"
    template = _TITLES.get(kind, "{name} failed {check}")
    return template.format(name=name, check=check.split(":", 1)[-1])


def _cause(result: CheckResult) -> dict[str, Any] | None:
    for source in (result.observed, result.expected):
        found = {k: source[k] for k in ("run_id", "query_id", "job", "task") if source.get(k)}
        if found:
            return found
    return None


def signal_from_result(result: CheckResult, result_id: int | None = None) -> Signal | None:
    """The signal a check result carries (``None`` for skipped results)."""
    if result.status == CheckStatus.SKIPPED:
        return None
    return Signal(
        check=result.check,
        kind=result.check_type,
        asset=result.asset,
        status=result.status,
        severity=result.severity,
        title=title_for(result.check_type, result.check, result.asset, result.status),
        summary=result.message,
        evaluated_at=result.evaluated_at,
        observed=dict(result.observed),
        expected=dict(result.expected),
        cause=_cause(result),
        result_id=result_id,
    )


def latest_per_subject(signals: list[Signal]) -> list[Signal]:
    """Keep, for each (check, asset), only the most recently evaluated signal — in input order.

    A batch may hold hours of results for one check; only the newest says what is true now, and
    replaying every flip would open and resolve incidents nobody needs to hear about.
    """
    newest: dict[tuple[str, AssetKey | None], Signal] = {}
    for s in signals:
        key = (s.check, s.asset)
        if key not in newest or s.evaluated_at >= newest[key].evaluated_at:
            newest[key] = s
    keep = {id(s) for s in newest.values()}
    return [s for s in signals if id(s) in keep]
