"""The costs page: a month's spend by team, asset, warehouse or user, the trend across months, what
changed against the month before (with the query shapes and owners behind each move), and CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection

from dashboards.templating import render
from observer.api.auth import Principal, require_role
from observer.api.deps import read_conn
from observer.api.errors import BadRequest
from observer.catalog.cost_views import CostViews
from observer.cost_diff import CostDiff
from observer.cost_report import CostRow, check_month, report_total
from observer.errors import InputError
from observer.store.listings import MonthSpend

router = APIRouter()

GROUPS = {"team": "Team", "asset": "Asset", "warehouse": "Warehouse", "user": "User", "owner": "Owner"}
CHART_BARS = 12


@dataclass(frozen=True)
class CostsPage:
    months: list[str]
    month: str | None
    by: str
    team: str
    rows: list[CostRow]
    total: CostRow | None
    trend: list[MonthSpend]
    diff: CostDiff | None
    groups: dict[str, str]

    def share(self, row: CostRow) -> float:
        return row.cost_usd / self.total.cost_usd if self.total and self.total.cost_usd else 0.0

    @property
    def breakdown_chart(self) -> dict[str, Any]:
        top = self.rows[:CHART_BARS]
        return {"type": "bars", "label": "Spend (USD)", "x": [r.key.split("://")[-1] for r in top],
                "y": [round(r.cost_usd, 2) for r in top]}

    @property
    def trend_chart(self) -> dict[str, Any]:
        return {"type": "bars", "label": "Spend (USD)", "x": [m.month for m in self.trend],
                "y": [round(m.cost_usd, 2) for m in self.trend]}


def _report(views: CostViews, conn: Connection, month: str, by: str, team: str) -> list[CostRow]:
    if by not in GROUPS:
        raise BadRequest(f"cannot break costs down by {by!r}; choose one of {', '.join(GROUPS)}")
    try:
        check_month(month)
        return views.report(conn, month, by, team or None)
    except InputError as exc:
        raise BadRequest(exc.reason) from None


@router.get("/costs", response_class=HTMLResponse)
def costs(
    request: Request,
    month: str = Query("", max_length=7),
    by: str = Query("team", max_length=16),
    team: str = Query("", max_length=128),
    principal: Principal = Depends(require_role("viewer")),
    conn: Connection = Depends(read_conn),
) -> HTMLResponse:
    views: CostViews = request.app.state.cost_views
    months = views.months(conn)
    chosen = month or (months[-1] if months else None)
    rows: list[CostRow] = []
    diff = None
    if chosen:
        rows = _report(views, conn, chosen, by, team)
        diff = views.diff(conn, chosen, team or None)
    page = CostsPage(
        months, chosen, by, team, rows, report_total(rows) if rows else None, views.trend(conn, team or None), diff, GROUPS
    )
    return render(request, "costs.html", page, title=f"Costs {chosen or ''}".strip(), principal=principal)


def _cell(value: object) -> object:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@router.get("/costs/export.csv")
def export_csv(
    request: Request,
    month: str = Query(..., max_length=7),
    by: str = Query("team", max_length=16),
    team: str = Query("", max_length=128),
    principal: Principal = Depends(require_role("viewer")),
    conn: Connection = Depends(read_conn),
) -> Response:
    """The month's breakdown as CSV: key, credits, cost in USD, queries."""
    rows = _report(request.app.state.cost_views, conn, month, by, team)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["month", by, "credits", "cost_usd", "queries"])
    for r in rows:
        writer.writerow([month, _cell(r.key), f"{r.credits:.6f}", f"{r.cost_usd:.2f}", r.queries])
    name = f"observer-costs-{month}-by-{by}{'-' + team if team else ''}.csv"
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
    return Response(
        out.getvalue(), media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{safe}"'}
    )
