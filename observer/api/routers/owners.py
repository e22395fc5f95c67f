"""``GET /api/v1/owners/lookup?table=…``: who owns this table, how we know, and who to call upstream.

Any spelling works (``orders``, ``MARTS.ORDERS``, ``"ANALYTICS"."MARTS"."ORDERS"``, a full key). The
answer (shape: :func:`observer.catalog.owner_lookup.answer_json`) has ``status`` ``found`` with the
owner, its provenance and conflicts, the team's Slack channel, the last run that wrote the table and
its upstream owners; or ``ambiguous`` with the candidates (pick one and ask again with its key).
An unknown name answers 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import Connection

from observer.api.auth import require_role
from observer.api.deps import read_conn
from observer.api.errors import NotFound
from observer.catalog.owner_lookup import answer_json, lookup_owner

router = APIRouter(prefix="/owners", tags=["owners"], dependencies=[Depends(require_role("viewer"))])


@router.get("/lookup", summary="Who owns this table")
def owner_lookup(
    table: str = Query(..., min_length=1, max_length=1024, description="table name in any spelling, or an asset key"),
    platform: str | None = Query(None, description="only assets of this platform, e.g. snowflake"),
    conn: Connection = Depends(read_conn),
) -> dict[str, Any]:
    answer = lookup_owner(conn, table, platform=platform)
    if answer.status == "not_found":
        raise NotFound(f"no table matches {table!r}")
    return answer_json(answer)
