"""``/api/v1/fingerprints``: query shapes — parsed once, with their lineage, cost and parse failures."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from observer.api.auth import require_role
from observer.api.deps import read_conn
from observer.api.errors import NotFound
from observer.api.paging import Page, PageParams, page_params
from observer.store.listings import (
    FingerprintRow,
    QueryRow,
    get_fingerprint,
    list_fingerprints,
    queries_of_fingerprint,
)

router = APIRouter(tags=["query fingerprints"], dependencies=[Depends(require_role("viewer"))])


class FingerprintOut(BaseModel):
    fingerprint: str
    dialect: str | None
    statement_type: str | None
    sample_sql: str = Field(description="one execution's SQL, as the warehouse logged it")
    sources: list[str]
    targets: list[str]
    column_lineage: list[list[str]]
    parse_error: str | None = Field(description="why the SQL could not be parsed; null when it parsed")
    parse_ms: float | None
    first_seen: datetime | None
    last_seen: datetime | None
    occurrences: int
    cost_usd: float | None
    url: str

    @classmethod
    def of(cls, f: FingerprintRow) -> FingerprintOut:
        return cls(
            fingerprint=f.fingerprint,
            dialect=f.dialect,
            statement_type=f.statement_type,
            sample_sql=f.sample_sql,
            sources=list(f.sources),
            targets=list(f.targets),
            column_lineage=[list(p) for p in f.column_lineage],
            parse_error=f.parse_error,
            parse_ms=f.parse_ms,
            first_seen=f.first_seen,
            last_seen=f.last_seen,
            occurrences=f.occurrences,
            cost_usd=f.cost_usd,
            url=f"/queries/{f.fingerprint}",
        )


class QueryOut(BaseModel):
    source: str
    query_id: str
    start_time: datetime
    user_name: str | None
    warehouse: str | None
    status: str
    execution_ms: float
    asset: str | None
    owner: str | None
    team: str | None
    attribution_rule: str | None
    attribution_reason: str | None
    cost_usd: float | None

    @classmethod
    def of(cls, q: QueryRow) -> QueryOut:
        return cls(
            source=q.source,
            query_id=q.query_id,
            start_time=q.start_time,
            user_name=q.user_name,
            warehouse=q.warehouse,
            status=q.status,
            execution_ms=q.execution_ms,
            asset=q.asset_key,
            owner=q.owner,
            team=q.team,
            attribution_rule=q.attribution_rule,
            attribution_reason=q.attribution_reason,
            cost_usd=q.cost_usd,
        )


class FingerprintDetail(FingerprintOut):
    recent_queries: list[QueryOut]


@router.get("/fingerprints", response_model=Page[FingerprintOut], summary="Query fingerprints")
def fingerprints(
    failed: bool | None = Query(None, description="true: only shapes whose SQL did not parse; false: only parsed"),
    dialect: str | None = Query(None),
    q: str | None = Query(None, max_length=500, description="text in the SQL or the parse error"),
    page: PageParams = Depends(page_params),
    conn: Connection = Depends(read_conn),
) -> Page[FingerprintOut]:
    """Query shapes, most frequent first."""
    found, total = list_fingerprints(conn, failed=failed, dialect=dialect, text=q, limit=page.limit, offset=page.offset)
    return Page[FingerprintOut](
        items=[FingerprintOut.of(f) for f in found], total=total, limit=page.limit, offset=page.offset
    )


@router.get("/fingerprints/{fingerprint}", response_model=FingerprintDetail, summary="One query fingerprint")
def fingerprint(fingerprint: str, conn: Connection = Depends(read_conn)) -> FingerprintDetail:
    """One shape with its latest executions, their cost and who each was attributed to."""
    found = get_fingerprint(conn, fingerprint)
    if found is None:
        raise NotFound(f"no query fingerprint {fingerprint}")
    return FingerprintDetail(
        **FingerprintOut.of(found).model_dump(),
        recent_queries=[QueryOut.of(q) for q in queries_of_fingerprint(conn, fingerprint)],
    )
