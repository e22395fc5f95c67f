"""Check results in the store: rows <-> :class:`~observer.model.CheckResult`.

A result is identified by ``(check, asset, run_key)``: the same check over the same input (a dbt
test in one invocation, a freshness check at one evaluation time) is stored once, so re-ingesting
or re-evaluating writes nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, func, select

from observer.model import AssetKey, CheckResult, CheckStatus, Severity
from observer.store.tables import check_results
from observer.store.upsert import upsert


def record_check_results(conn: Connection, results: Iterable[CheckResult]) -> int:
    """Insert results not stored yet; returns how many were new."""
    rows = [
        {
            "check": r.check,
            "check_type": r.check_type,
            "asset_key": str(r.asset),
            "status": r.status.value,
            "severity": r.severity.value,
            "message": r.message,
            "observed": dict(r.observed),
            "expected": dict(r.expected),
            "evaluated_at": r.evaluated_at,
            "run_key": r.run_key or r.evaluated_at.isoformat(),
        }
        for r in results
    ]
    if not rows:
        return 0
    keys = {(r["check"], r["asset_key"], r["run_key"]) for r in rows}
    present: set[tuple[str, str, str]] = set()
    assets = sorted({str(r["asset_key"]) for r in rows})
    for start in range(0, len(assets), 500):
        stmt = select(check_results.c.check, check_results.c.asset_key, check_results.c.run_key).where(
            check_results.c.asset_key.in_(assets[start : start + 500])
        )
        present |= {tuple(r) for r in conn.execute(stmt)} & keys  # type: ignore[arg-type]
    new = [r for r in rows if (r["check"], r["asset_key"], r["run_key"]) not in present]
    upsert(conn, check_results, new, keys=["check", "asset_key", "run_key"], update=())
    return len({(r["check"], r["asset_key"], r["run_key"]) for r in new})


def _to_result(r: Any) -> CheckResult:
    m = r._mapping
    return CheckResult(
        check=m["check"],
        check_type=m["check_type"],
        asset=AssetKey.from_stored(m["asset_key"]),
        status=CheckStatus(m["status"]),
        evaluated_at=m["evaluated_at"],
        message=m["message"],
        severity=Severity(m["severity"]),
        observed=dict(m["observed"] or {}),
        expected=dict(m["expected"] or {}),
        run_key=m["run_key"],
    )


def results_for_asset(conn: Connection, key: AssetKey, *, limit: int = 100) -> list[CheckResult]:
    """Results on ``key``, newest first."""
    stmt = (
        select(check_results)
        .where(check_results.c.asset_key == str(key))
        .order_by(check_results.c.evaluated_at.desc(), check_results.c.check)
        .limit(limit)
    )
    return [_to_result(r) for r in conn.execute(stmt)]


def latest_results(
    conn: Connection, *, check: str | None = None, check_type: str | None = None, status: str | None = None
) -> list[CheckResult]:
    """The most recent result of every (check, asset), optionally filtered; worst status first."""
    ranked = select(
        check_results.c.id,
        func.row_number()
        .over(partition_by=[check_results.c.check, check_results.c.asset_key],
              order_by=[check_results.c.evaluated_at.desc(), check_results.c.id.desc()])
        .label("rn"),
    ).subquery()
    newest = select(ranked.c.id).where(ranked.c.rn == 1)
    stmt = select(check_results).where(check_results.c.id.in_(newest))
    if check is not None:
        stmt = stmt.where(check_results.c.check == check)
    if check_type is not None:
        stmt = stmt.where(check_results.c.check_type == check_type)
    if status is not None:
        stmt = stmt.where(check_results.c.status == status)
    order = {CheckStatus.ERROR: 0, CheckStatus.FAIL: 1, CheckStatus.WARN: 2, CheckStatus.PASS: 3, CheckStatus.SKIPPED: 4}
    found = [_to_result(r) for r in conn.execute(stmt)]
    return sorted(found, key=lambda r: (order[r.status], r.check, str(r.asset)))


def result_history(conn: Connection, key: AssetKey, check: str, *, limit: int = 200) -> list[CheckResult]:
    """One check's results on one asset, newest first (for charts and the asset page)."""
    stmt = (
        select(check_results)
        .where(check_results.c.asset_key == str(key), check_results.c.check == check)
        .order_by(check_results.c.evaluated_at.desc(), check_results.c.id.desc())
        .limit(limit)
    )
    return [_to_result(r) for r in conn.execute(stmt)]
