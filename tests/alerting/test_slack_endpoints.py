"""The Slack-facing endpoints: signatures checked (forged and stale requests refused), buttons act on
incidents and queue the message edit, and ``/observer owner|cost`` answer from the catalog."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from alerting import incidents
from observer.api.app import create_app
from observer.config import Settings
from observer.model import Asset, IncidentState
from observer.store import Store
from observer.store.assets import upsert_assets
from observer.store.incidents import get_incident, list_incidents
from observer.store.outbox import list_outbox
from observer.store.tables import cost_lines
from tests.alerting.conftest import EVENTS, PAYMENTS, SIGNING_SECRET, failing, make_settings, seed_catalog
from tests.fakes.slack_server import message_problems

ACTIONS = "/api/v1/slack/actions"
COMMANDS = "/api/v1/slack/commands"


def sign(body: str, ts: int, secret: str = SIGNING_SECRET) -> dict[str, str]:
    base = f"v0:{ts}:{body}".encode()
    return {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest(),
        "Content-Type": "application/x-www-form-urlencoded",
    }


@pytest.fixture
def app_settings() -> Settings:
    return make_settings(None, dry_run=True)


@pytest.fixture
def client(catalog: Store, app_settings: Settings, now: datetime) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings, catalog, clock=lambda: now)) as c:
        yield c


def _button(incident_id: int, action: str = "observer.ack", value: str | None = None) -> str:
    payload = {
        "type": "block_actions",
        "user": {"id": "U0CAROL", "username": "carol", "team_id": "T0"},
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "C0FIN"},
        "response_url": "https://hooks.slack.com/actions/T0/1/x",
        "actions": [
            {
                "action_id": action,
                "block_id": f"incident-{incident_id}",
                "value": value or str(incident_id),
                "type": "button",
                "action_ts": "1",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def _open_incident(store: Store, settings: Settings, now: datetime) -> int:
    incidents.process_signals(store, settings, [failing(PAYMENTS, at=now)], now)
    with store.read() as conn:
        [incident], _ = list_incidents(conn)
    assert incident.id is not None
    return incident.id


def test_a_signed_click_acknowledges_and_queues_the_edit(
    client: TestClient, catalog: Store, app_settings: Settings, now: datetime
) -> None:
    incident_id = _open_incident(catalog, app_settings, now)
    body = _button(incident_id)
    response = client.post(ACTIONS, content=body, headers=sign(body, int(now.timestamp())))
    assert response.status_code == 200 and response.content == b""
    with catalog.read() as conn:
        incident = get_incident(conn, incident_id)
        queued = list_outbox(conn)[0]
    assert incident is not None and incident.state == IncidentState.ACKNOWLEDGED
    assert incident.details["acknowledged_by"] == "slack:U0CAROL:carol"
    # the post had not gone out yet, so it now shows the acknowledgement itself
    [post] = queued
    assert "Acknowledged by <@U0CAROL>" in str(post.payload["blocks"])


def test_snooze_button_uses_its_duration(
    client: TestClient, catalog: Store, app_settings: Settings, now: datetime
) -> None:
    incident_id = _open_incident(catalog, app_settings, now)
    body = _button(incident_id, "observer.snooze", f"{incident_id}:90")
    assert client.post(ACTIONS, content=body, headers=sign(body, int(now.timestamp()))).status_code == 200
    with catalog.read() as conn:
        incident = get_incident(conn, incident_id)
    assert incident is not None and incident.snoozed_until == now + timedelta(minutes=90)


@pytest.mark.parametrize(
    ("tamper", "why"),
    [
        (lambda body, ts: sign(body, ts, "not-the-secret"), "forged with another secret"),
        (
            lambda body, ts: sign(body.replace("observer.ack", "observer.resolve"), ts),
            "body changed after signing",
        ),
        (lambda body, ts: sign(body, ts - 301), "more than five minutes old"),
        (lambda body, ts: sign(body, ts + 301), "from the future"),
        (lambda body, ts: {"Content-Type": "application/x-www-form-urlencoded"}, "not signed at all"),
        (lambda body, ts: {**sign(body, ts), "X-Slack-Request-Timestamp": "soon"}, "timestamp not a number"),
    ],
)
def test_forged_or_stale_requests_are_refused(
    sqlite_store: Store, app_settings: Settings, now: datetime, tamper, why: str
) -> None:  # type: ignore[no-untyped-def]
    seed_catalog(sqlite_store, now)
    incident_id = _open_incident(sqlite_store, app_settings, now)
    body = _button(incident_id)
    with TestClient(create_app(app_settings, sqlite_store, clock=lambda: now)) as client:
        response = client.post(ACTIONS, content=body, headers=tamper(body, int(now.timestamp())))
    assert response.status_code == 401, why
    with sqlite_store.read() as conn:
        incident = get_incident(conn, incident_id)
    assert incident is not None and incident.state == IncidentState.OPEN, why


def test_without_a_signing_secret_everything_is_refused(sqlite_store: Store, now: datetime) -> None:
    settings = make_settings(None, dry_run=True, slack={"signing_secret": None})
    body = urlencode({"command": "/observer", "text": "help"})
    with TestClient(create_app(settings, sqlite_store, clock=lambda: now)) as c:
        response = c.post(COMMANDS, content=body, headers=sign(body, int(now.timestamp())))
    assert response.status_code == 401 and "signing_secret is not set" in response.json()["error"]["message"]


def _command(client: TestClient, text: str, now: datetime) -> dict:  # type: ignore[type-arg]
    body = urlencode(
        {
            "team_id": "T0",
            "channel_id": "C0",
            "user_id": "U0CAROL",
            "command": "/observer",
            "text": text,
            "response_url": "https://hooks.slack.com/commands/1",
            "trigger_id": "1",
        }
    )
    response = client.post(COMMANDS, content=body, headers=sign(body, int(now.timestamp())))
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_type"] == "ephemeral" and message_problems(answer) == []
    return answer


def test_owner_command_answers_who_how_and_where(client: TestClient, catalog: Store, now: datetime) -> None:
    with catalog.transaction() as conn:
        upsert_assets(conn, [Asset(PAYMENTS), Asset(EVENTS)], now)
    answer = _command(client, "owner raw.stripe_payments", now)
    blob = str(answer["blocks"])
    for expected in (
        "Who owns stripe_payments",
        "CAROL",
        "orchestrator: dbt meta.owner",
        "#finance-data",
        "https://observer.example/assets/duckdb/analytics.raw.stripe_payments",
    ):
        assert expected in blob, expected
    assert "No such table" in str(_command(client, "owner nowhere.at_all", now)["blocks"])
    assert "Observer commands" in str(_command(client, "what?", now)["blocks"])


def test_cost_command_compares_this_month_with_the_same_days_of_last_month(
    client: TestClient, catalog: Store, now: datetime
) -> None:
    rows = []
    for day, usd in (
        (datetime(2026, 10, 3, 10, tzinfo=now.tzinfo), 400.0),
        (datetime(2026, 10, 25, 10, tzinfo=now.tzinfo), 600.0),
        (datetime(2026, 11, 5, 10, tzinfo=now.tzinfo), 500.0),
        (datetime(2026, 11, 19, 10, tzinfo=now.tzinfo), 700.0),
    ):
        rows.append(
            {
                "source": "sf",
                "month": f"{day:%Y-%m}",
                "hour": day,
                "warehouse": "W",
                "kind": "compute",
                "credits": usd / 3,
                "cost_usd": usd,
                "team": "finance",
            }
        )
    with catalog.transaction() as conn:
        conn.execute(cost_lines.insert(), rows)
    blob = str(_command(client, "cost finance", now)["blocks"])
    assert "November so far*\\n$1,200 (+200%)" in blob  # 1,200 now against 400 by Oct 20
    assert "Last month in full*\\n$1,000" in blob and "$3,000 (40% used)" in blob
    assert "No such team" in str(_command(client, "cost nobody", now)["blocks"])
