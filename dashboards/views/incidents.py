"""Incidents: the list (active first), one incident's timeline, and acknowledge / snooze / resolve."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import Connection

from dashboards.paging import Pager
from dashboards.templating import render
from observer.api.auth import Principal, require_role
from observer.api.deps import get_now, read_conn
from observer.api.errors import NotFound, Unprocessable
from observer.api.incident_actions import ACTIONS, IncidentActions, InputError, MissingIncident
from observer.model import Incident, IncidentState
from observer.store.incidents import (
    ACTIVE_STATES,
    IncidentEvent,
    get_incident,
    incident_history,
    list_incidents,
)

router = APIRouter()

PAGE_SIZE = 50
STATES = {
    "active": ACTIVE_STATES,
    "resolved": (IncidentState.RESOLVED.value,),
    "all": None,
}
SNOOZE_CHOICES = ((60, "1 hour"), (240, "4 hours"), (1440, "1 day"), (10080, "1 week"))


@dataclass(frozen=True)
class IncidentsPage:
    incidents: list[Incident]
    state: str
    team: str
    pager: Pager


@dataclass(frozen=True)
class IncidentPage:
    incident: Incident
    history: list[IncidentEvent]
    can_act: bool
    snooze_choices: tuple[tuple[int, str], ...]
    message: str | None


@router.get("/incidents", response_class=HTMLResponse)
def incidents(
    request: Request,
    state: str = Query("active", pattern="^(active|resolved|all)$"),
    team: str = Query("", max_length=128),
    offset: int = Query(0, ge=0),
    principal: Principal = Depends(require_role("viewer")),
    conn: Connection = Depends(read_conn),
) -> HTMLResponse:
    found, total = list_incidents(conn, states=STATES[state], team=team or None, limit=PAGE_SIZE, offset=offset)
    page = IncidentsPage(found, state, team, Pager(total, offset, PAGE_SIZE, {"state": state, "team": team}))
    return render(request, "incidents.html", page, title="Incidents", principal=principal)


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident(
    request: Request,
    incident_id: int,
    done: str = Query("", max_length=32),
    principal: Principal = Depends(require_role("viewer")),
    conn: Connection = Depends(read_conn),
) -> HTMLResponse:
    found = get_incident(conn, incident_id)
    if found is None:
        raise NotFound(f"There is no incident {incident_id}.")
    message = {
        "acknowledge": "Acknowledged.",
        "snooze": "Snoozed.",
        "resolve": "Resolved.",
        "unchanged": "Nothing to change: the incident was already in that state.",
    }.get(done)
    page = IncidentPage(found, incident_history(conn, incident_id), principal.can("editor"), SNOOZE_CHOICES, message)
    return render(request, "incident.html", page, title=found.title, principal=principal)


@router.post("/incidents/{incident_id}/{action}")
def act(
    request: Request,
    incident_id: int,
    action: str,
    background: BackgroundTasks,
    minutes: int = Form(0, ge=0, le=60 * 24 * 30),
    note: str = Form("", max_length=2000),
    principal: Principal = Depends(require_role("editor")),
    now: datetime = Depends(get_now),
) -> RedirectResponse:
    if action not in ACTIONS:
        raise NotFound(f"Incidents cannot be {action!r}-ed; use one of {', '.join(ACTIONS)}.")
    actions: IncidentActions = request.app.state.incident_actions
    until = now + timedelta(minutes=minutes) if action == "snooze" else None
    try:
        _, changed = actions.apply(action, incident_id, f"web:{principal.name}", now, until=until, note=note or None)
    except MissingIncident:
        raise NotFound(f"There is no incident {incident_id}.") from None
    except InputError as exc:
        raise Unprocessable(exc.reason) from None
    if changed:
        background.add_task(actions.deliver)
    return RedirectResponse(f"/incidents/{incident_id}?done={action if changed else 'unchanged'}", status_code=303)
