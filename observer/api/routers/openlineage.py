"""``POST /api/v1/lineage``: the OpenLineage receiver (RunEvents, spec 2-0-x).

Point any OpenLineage producer here — Airflow's provider (``[openlineage] transport = {"type":
"http", "url": "http://observer:8000", "endpoint": "api/v1/lineage", "auth": {"type": "api_key",
"apiKey": "<editor token>"}}``), Dagster, Spark, or ``openlineage-python``'s ``HttpTransport``. One
event per request. Answers ``201`` with the event's hash; a duplicate (same event again) answers
``200`` and changes nothing; an invalid event answers ``422`` naming the field. Writing needs a token
with the editor role.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from observer.api.auth import require_role
from observer.api.deps import get_now, get_store
from observer.api.errors import BadRequest, Unprocessable
from observer.errors import InputError
from observer.store import Store
from observer.store.openlineage import EventOutcome, ingest_event

router = APIRouter(tags=["lineage"])

MAX_BYTES = 5 * 1024 * 1024

_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["eventTime", "producer", "schemaURL", "run", "job"],
    "properties": {
        "eventType": {"type": "string", "enum": ["START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"]},
        "eventTime": {"type": "string", "format": "date-time"},
        "producer": {"type": "string", "format": "uri"},
        "schemaURL": {"type": "string", "format": "uri"},
        "run": {"type": "object", "required": ["runId"], "properties": {"runId": {"type": "string", "format": "uuid"}}},
        "job": {"type": "object", "required": ["namespace", "name"]},
        "inputs": {"type": "array", "items": {"type": "object", "required": ["namespace", "name"]}},
        "outputs": {"type": "array", "items": {"type": "object", "required": ["namespace", "name"]}},
    },
}


@router.post(
    "/lineage",
    status_code=201,
    summary="Receive one OpenLineage RunEvent",
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": _EVENT_SCHEMA}}}},
    responses={200: {"description": "duplicate event, nothing changed"}, 422: {"description": "invalid event"}},
)
async def receive_event(
    request: Request,
    _editor: object = Depends(require_role("editor")),
    store: Store = Depends(get_store),
    now: datetime = Depends(get_now),
) -> JSONResponse:
    """Store the event once (by its hash) and apply its run, datasets, lineage and ownership."""
    body = await request.body()
    if len(body) > MAX_BYTES:
        raise BadRequest(f"event larger than {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        event = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"body is not JSON: {exc}") from None
    def write() -> EventOutcome:
        with store.transaction() as conn:
            return ingest_event(conn, event, now)

    try:
        outcome = await run_in_threadpool(write)  # the store is synchronous: keep the event loop free
    except InputError as exc:
        raise Unprocessable(str(exc)) from None
    payload = {
        "status": "duplicate" if outcome.duplicate else "stored",
        "event_hash": outcome.event_hash,
        "run_id": outcome.parsed.run.run_id,
        "datasets": [str(a.key) for a in outcome.parsed.assets],
    }
    return JSONResponse(payload, status_code=200 if outcome.duplicate else 201)
