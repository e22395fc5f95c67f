"""``/api/v1/slack``: the endpoints a Slack app calls — buttons on alerts and the ``/observer`` command.

Set the app's *Interactivity Request URL* to ``<base>/api/v1/slack/actions`` and the slash command's
URL to ``<base>/api/v1/slack/commands`` (docs/alerting/slack.md).

Every request must carry a valid Slack signature: ``v0=HMAC-SHA256(signing_secret,
"v0:<X-Slack-Request-Timestamp>:<raw body>")`` in ``X-Slack-Signature``, with a timestamp within five
minutes of our clock (replays of old requests are refused). Without ``alerting.slack.signing_secret``
every request is refused. These endpoints take no API token: the signature is the credential.

A button click changes the incident at once and answers ``200`` with an empty body within Slack's
three seconds; the message edit and the thread reply go through the outbox right after the response.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import parse_qs

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response
from fastapi.responses import JSONResponse
from slack_sdk.signature import Clock, SignatureVerifier

from observer.api.deps import get_now, get_settings, get_store
from observer.api.errors import BadRequest, HTTPError
from observer.catalog.owner_lookup import lookup_owner
from observer.config import Settings
from observer.errors import InputError, NotFound
from observer.store import Store
from observer.store.alert_context import team_channels
from observer.store.alert_spend import team_budgets, team_spend

router = APIRouter(prefix="/slack", tags=["slack"])

MAX_BODY = 64 * 1024


class BadSignature(HTTPError):
    """The request is not from Slack (or is too old to trust)."""

    status: ClassVar[int] = 401
    title: ClassVar[str] = "Not from Slack"


class _AppClock(Clock):
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> float:
        return self._now.timestamp()


async def verified_form(request: Request) -> dict[str, str]:
    """The request's form fields, after its Slack signature and timestamp check out."""
    settings = get_settings(request)
    secret = settings.alerting.slack.signing_secret
    body = await request.body()
    if secret is None or not secret.get_secret_value().strip():
        raise BadSignature("Slack requests are refused: alerting.slack.signing_secret is not set")
    if len(body) > MAX_BODY:
        raise BadRequest("request too large")
    verifier = SignatureVerifier(secret.get_secret_value(), clock=_AppClock(get_now(request)))
    timestamp = request.headers.get("x-slack-request-timestamp", "")
    if not timestamp.strip().lstrip("-").isdigit():
        raise BadSignature("missing or malformed X-Slack-Request-Timestamp")
    if not verifier.is_valid(body, timestamp, request.headers.get("x-slack-signature")):
        raise BadSignature("signature does not match, or the request is more than five minutes old")
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise BadRequest("body is not UTF-8 form data") from None
    return {k: v[0] for k, v in fields.items()}


@router.post("/actions", summary="Slack interactivity: Acknowledge / Snooze / Resolve buttons")
def actions(
    background: BackgroundTasks,
    form: dict[str, str] = Depends(verified_form),
    store: Store = Depends(get_store),
    settings: Settings = Depends(get_settings),
    now: datetime = Depends(get_now),
) -> Response:
    from alerting import incidents
    from alerting.jobs import deliver_queued
    from alerting.slack.interactivity import parse_actions, parse_payload

    try:
        payload = parse_payload(form.get("payload", ""))
    except ValueError:
        raise BadRequest("the payload field is not a JSON object") from None
    changed = 0
    for action in parse_actions(payload):
        try:
            if action.verb == "ack":
                _, did = incidents.acknowledge(store, settings, action.incident_id, action.actor, now)
            elif action.verb == "snooze":
                _, did = incidents.snooze(
                    store, settings, action.incident_id, action.until(now), action.actor, now
                )
            else:
                _, did = incidents.resolve(store, settings, action.incident_id, action.actor, now)
        except (NotFound, InputError):
            continue  # a button on an old message: nothing to do, and Slack wants a 200 regardless
        changed += int(did)
    if changed:
        background.add_task(deliver_queued, store, settings)
    return Response(status_code=200)


@router.post("/commands", summary="Slack slash command: /observer owner <table> | cost <team>")
def commands(
    form: dict[str, str] = Depends(verified_form),
    store: Store = Depends(get_store),
    settings: Settings = Depends(get_settings),
    now: datetime = Depends(get_now),
) -> JSONResponse:
    from alerting.cost_signals import month_bounds
    from alerting.message import Links
    from alerting.slack.interactivity import cost_answer, help_answer, owner_answer, parse_command

    links = Links(settings.server.base_url)
    verb, argument = parse_command(form.get("text", ""))
    body: dict[str, Any]
    if verb == "owner":
        with store.read() as conn:
            body = owner_answer(lookup_owner(conn, argument), links)
    elif verb == "cost":
        start, _ = month_bounds(now)
        prev_start, _ = month_bounds(start - timedelta(days=1))
        with store.read() as conn:
            teams = {t.lower(): t for t in team_channels(conn)}
            team = teams.get(argument.lower(), argument)
            body = cost_answer(
                team,
                argument.lower() in teams,
                team_spend(conn, team, start, now),
                team_spend(conn, team, prev_start, min(prev_start + (now - start), start)),
                team_spend(conn, team, prev_start, start),
                team_budgets(conn).get(team),
                now,
                links,
            )
    else:
        body = help_answer(form.get("command") or "/observer")
    return JSONResponse(body)
