"""``/api/v1/checks`` and ``/api/v1/metrics``: check results, their history, and metric series with bands.

* ``GET /checks`` — the latest result of every (check, asset), worst first; filter by check, type, status.
* ``GET /checks/history?asset=…&check=…`` — one check's results on one asset, newest first.
* ``POST /checks/run`` — run the configured checks now (editor), optionally only some.
* ``GET /metrics?asset=…`` — the metric names stored for an asset; with ``metric=…`` the series with
  the expected band each point was judged against (``expected_low``/``expected_high``/``anomaly``), for
  freshness and volume charts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import Connection

from observer.api.auth import require_role
from observer.api.deps import get_now, get_settings, get_store, read_conn
from observer.api.errors import Unprocessable
from observer.api.keys import key_from_path
from observer.api.paging import Page, PageParams, page_params
from observer.config import Settings
from observer.errors import ConfigError
from observer.model import CheckResult, CheckStatus
from observer.store import Store
from observer.store.check_results import latest_results, result_history
from observer.store.metrics import band_series, metrics_of

router = APIRouter(tags=["checks"], dependencies=[Depends(require_role("viewer"))])


class CheckResultOut(BaseModel):
    check: str
    check_type: str
    asset: str
    status: str
    severity: str
    message: str
    evaluated_at: datetime
    observed: dict[str, Any]
    expected: dict[str, Any]

    @classmethod
    def of(cls, r: CheckResult) -> CheckResultOut:
        return cls(
            check=r.check,
            check_type=r.check_type,
            asset=str(r.asset),
            status=r.status.value,
            severity=r.severity.value,
            message=r.message,
            evaluated_at=r.evaluated_at,
            observed=dict(r.observed),
            expected=dict(r.expected),
        )


class CheckRunOut(BaseModel):
    results: int
    stored: int
    failed: list[CheckResultOut]
    errors: list[dict[str, str]]


class BandPointOut(BaseModel):
    ts: datetime
    value: float
    expected_low: float | None
    expected_high: float | None
    anomaly: bool


class MetricSeriesOut(BaseModel):
    asset: str
    metric: str
    points: list[BandPointOut]


@router.get(
    "/checks", response_model=Page[CheckResultOut], summary="Latest result of every check on every asset"
)
def list_results(
    check: str | None = Query(None, description="only this check name"),
    check_type: str | None = Query(
        None, alias="type", description="freshness, volume, schema, quality, dbt_test …"
    ),
    status: CheckStatus | None = Query(None, description="pass, warn, fail, error or skipped"),
    page: PageParams = Depends(page_params),
    conn: Connection = Depends(read_conn),
) -> Page[CheckResultOut]:
    found = latest_results(conn, check=check, check_type=check_type, status=status.value if status else None)
    items = [CheckResultOut.of(r) for r in found[page.offset : page.offset + page.limit]]
    return Page(items=items, total=len(found), limit=page.limit, offset=page.offset)


@router.get(
    "/checks/history", response_model=list[CheckResultOut], summary="One check's results on one asset"
)
def history(
    asset: str = Query(description="asset key, e.g. snowflake://analytics.raw.orders"),
    check: str = Query(description="check name, e.g. raw-volume"),
    limit: int = Query(100, ge=1, le=1000),
    conn: Connection = Depends(read_conn),
) -> list[CheckResultOut]:
    return [CheckResultOut.of(r) for r in result_history(conn, key_from_path(asset), check, limit=limit)]


@router.post(
    "/checks/run",
    response_model=CheckRunOut,
    summary="Run the configured checks now",
    dependencies=[Depends(require_role("editor"))],
)
def run_now(
    only: list[str] | None = Query(None, description="check names or types; default: all"),
    settings: Settings = Depends(get_settings),
    store: Store = Depends(get_store),
    now: datetime = Depends(get_now),
) -> CheckRunOut:
    from observer.checking import run_checks

    try:
        run = run_checks(settings, store, now, only=only)
    except ConfigError as exc:
        raise Unprocessable(str(exc)) from None
    failed = [CheckResultOut.of(r) for r in run.results if r.status in (CheckStatus.FAIL, CheckStatus.ERROR)]
    return CheckRunOut(
        results=len(run.results),
        stored=run.stored,
        failed=failed,
        errors=[{"check": e.check, "message": e.message} for e in run.errors],
    )


@router.get("/metrics", summary="Metric names of an asset, or one metric's series with its expected band")
def metrics(
    asset: str = Query(description="asset key"),
    metric: str | None = Query(
        None, description="e.g. rows_per_load, rows_added, row_count, freshness_lag_s"
    ),
    days: int = Query(60, ge=1, le=400, description="how far back"),
    now: datetime = Depends(get_now),
    conn: Connection = Depends(read_conn),
) -> MetricSeriesOut | list[str]:
    key = key_from_path(asset)
    if metric is None:
        return metrics_of(conn, key)
    band = band_series(conn, key, metric, since=now - timedelta(days=days))
    return MetricSeriesOut(asset=str(key), metric=metric, points=[BandPointOut(**p.__dict__) for p in band])
