"""``/api/v1/costs``: monthly spend by owner, team, asset, warehouse, user or query shape, and
``/api/v1/costs/diff``: what moved since the month before, with the queries behind each move."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import Connection

from observer.api.auth import require_role
from observer.api.deps import read_conn
from observer.api.errors import BadRequest
from observer.api.paging import PageParams, page_params
from observer.cost_diff import DIMENSIONS, cost_diff
from observer.cost_report import GROUP_BY, cost_report, latest_month
from observer.errors import InputError

router = APIRouter(prefix="/costs", tags=["costs"], dependencies=[Depends(require_role("viewer"))])

GroupBy = Literal["owner", "team", "asset", "warehouse", "user", "fingerprint"]
Dimension = Literal["team", "asset", "fingerprint", "warehouse"]
assert set(GroupBy.__args__) == set(GROUP_BY) and set(Dimension.__args__) == set(DIMENSIONS)  # type: ignore[attr-defined]


class CostItem(BaseModel):
    key: str
    """The owner/team/asset/…; ``unattributed`` for spend nobody could be charged for, ``idle:<WAREHOUSE>``
    for warehouse time no query used."""
    credits: float
    cost_usd: float
    queries: int


class CostPage(BaseModel):
    month: str
    group_by: str
    total_credits: float
    """Over every row, not just this page (the month's bill for the filter)."""
    total_cost_usd: float
    items: list[CostItem]
    total: int
    limit: int
    offset: int


class ShapeItem(BaseModel):
    fingerprint: str | None
    before_usd: float
    after_usd: float
    delta_usd: float
    queries_before: int
    queries_after: int
    sample_query_id: str | None
    sample_text: str | None
    user: str | None
    warehouse: str | None
    owner: str | None
    team: str | None
    asset: str | None
    rule: str | None
    reason: str | None


class MoverItem(BaseModel):
    dimension: str
    key: str
    before_usd: float
    after_usd: float
    delta_usd: float
    change: float | None
    before_credits: float
    after_credits: float
    queries_before: int
    queries_after: int
    queries: list[ShapeItem]
    """The query shapes behind the move, biggest change first, each with a sample and who pays."""


class DiffPage(BaseModel):
    month: str
    previous: str
    before_usd: float
    after_usd: float
    delta_usd: float
    dimension: str
    items: list[MoverItem]
    total: int
    limit: int
    offset: int


def _month(conn: Connection, month: str | None) -> str:
    if month:
        return month
    found = latest_month(conn)
    if found is None:
        raise BadRequest("no costs recorded yet; give ?month=YYYY-MM")
    return found


@router.get("", response_model=CostPage, summary="Spend in a month, grouped")
def list_costs(
    month: str | None = Query(None, description="YYYY-MM (default: the latest month with costs)"),
    group_by: GroupBy = Query("team", description="owner, team, asset, warehouse, user or fingerprint"),
    team: str | None = Query(None, description="only this team's spend"),
    owner: str | None = Query(None),
    warehouse: str | None = Query(None),
    user: str | None = Query(None, description="only this warehouse user"),
    asset: str | None = Query(None, description="only this asset key, e.g. snowflake://analytics.marts.orders"),
    page: PageParams = Depends(page_params),
    conn: Connection = Depends(read_conn),
) -> CostPage:
    """Costliest first. Every dollar of the month is in exactly one row."""
    try:
        chosen = _month(conn, month)
        rows = cost_report(conn, chosen, group_by, {"team": team, "owner": owner, "warehouse": warehouse, "user": user, "asset": asset})
    except InputError as exc:
        raise BadRequest(exc.reason) from None
    return CostPage(
        month=chosen,
        group_by=group_by,
        total_credits=round(sum(r.credits for r in rows), 6),
        total_cost_usd=round(sum(r.cost_usd for r in rows), 2),
        items=[CostItem(**r.to_json()) for r in rows[page.offset : page.offset + page.limit]],
        total=len(rows),
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/diff", response_model=DiffPage, summary="Month over month: what moved the bill")
def diff_costs(
    month: str | None = Query(None, description="YYYY-MM, compared with the month before (default: the latest)"),
    dimension: Dimension = Query("team", description="team, asset, fingerprint or warehouse"),
    queries: int = Query(3, ge=0, le=20, description="query shapes listed per mover"),
    team: str | None = Query(None, description="only this team's spend"),
    warehouse: str | None = Query(None),
    page: PageParams = Depends(page_params),
    conn: Connection = Depends(read_conn),
) -> DiffPage:
    """The keys of ``dimension`` whose spend changed most (by absolute dollars), each with the query
    shapes behind the change, a sample query, its user and its owner."""
    try:
        chosen = _month(conn, month)
        everything = cost_diff(
            conn, chosen, dimensions=(dimension,), top=page.offset + page.limit, shapes=queries,
            filters={"team": team, "warehouse": warehouse},
        )
        total = len(cost_diff(conn, chosen, dimensions=(dimension,), top=10**6, shapes=0, filters={"team": team, "warehouse": warehouse}).movers[dimension])
    except InputError as exc:
        raise BadRequest(exc.reason) from None
    movers = everything.movers[dimension][page.offset : page.offset + page.limit]
    return DiffPage(
        month=everything.month,
        previous=everything.previous,
        before_usd=round(everything.before_usd, 2),
        after_usd=round(everything.after_usd, 2),
        delta_usd=round(everything.delta_usd, 2),
        dimension=dimension,
        items=[MoverItem(**m.to_json()) for m in movers],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )
