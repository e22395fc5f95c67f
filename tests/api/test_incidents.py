"""``/api/v1/incidents`` and ``/api/v1/alerts/outbox``: listing, detail with history, actions by role."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from alerting import incidents
from alerting.signals import Signal
from observer.config import Settings
from observer.model import AssetKey, CheckStatus, Severity
from observer.store import Store
from observer.store.outbox import claim, list_outbox, mark_dead

ORDERS = AssetKey.of("snowflake", "ANALYTICS.MARTS.FCT_ORDERS")


def _open(store: Store, now: datetime, check: str = "freshness") -> int:
    signal = Signal(
        check,
        "freshness",
        ORDERS,
        CheckStatus.FAIL,
        Severity.HIGH,
        "fct_orders is late",
        "30 hours since the last load",
        now,
        {"lag_hours": 30},
        {"within_hours": 24},
    )
    incidents.process_signals(store, Settings(), [signal], now)
    return 1 if check == "freshness" else 2


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_incidents_are_listed_and_filtered(client: TestClient, store: Store, now: datetime) -> None:
    _open(store, now)
    _open(store, now, "freshness_2")
    listing = client.get("/api/v1/incidents", params={"state": "active", "team": "finance"}).json()
    assert listing["total"] == 2 and {i["title"] for i in listing["items"]} == {"fct_orders is late"}
    assert listing["items"][0]["team"] == "finance" and listing["items"][0]["asset"] == str(ORDERS)
    assert client.get("/api/v1/incidents", params={"state": "resolved"}).json()["total"] == 0
    assert client.get("/api/v1/incidents", params={"state": "sideways"}).status_code == 422


def test_detail_shows_history_and_messages(client: TestClient, store: Store, now: datetime) -> None:
    incident_id = _open(store, now)
    detail = client.get(f"/api/v1/incidents/{incident_id}").json()
    assert [e["event"] for e in detail["history"]] == ["opened"]
    assert [(m["operation"], m["state"]) for m in detail["messages"]] == [("post", "pending")]
    assert client.get("/api/v1/incidents/999").status_code == 404


def test_actions_need_an_editor_and_are_recorded(
    client: TestClient, store: Store, now: datetime, tokens: dict[str, str]
) -> None:
    incident_id = _open(store, now)
    assert client.post(f"/api/v1/incidents/{incident_id}/acknowledge").status_code == 401
    assert (
        client.post(
            f"/api/v1/incidents/{incident_id}/acknowledge", headers=_auth(tokens["viewer"])
        ).status_code
        == 403
    )
    acked = client.post(
        f"/api/v1/incidents/{incident_id}/acknowledge", headers=_auth(tokens["editor"])
    ).json()
    assert acked["changed"] and acked["incident"]["state"] == "acknowledged"
    assert acked["incident"]["details"]["acknowledged_by"] == "api:t-editor"
    again = client.post(
        f"/api/v1/incidents/{incident_id}/acknowledge", headers=_auth(tokens["editor"])
    ).json()
    assert again["changed"] is False
    snoozed = client.post(
        f"/api/v1/incidents/{incident_id}/snooze", json={"minutes": 90}, headers=_auth(tokens["editor"])
    ).json()
    assert snoozed["incident"]["snoozed_until"].startswith(
        (now + timedelta(minutes=90)).strftime("%Y-%m-%dT%H:%M")
    )
    bad = client.post(
        f"/api/v1/incidents/{incident_id}/snooze",
        json={"until": (now - timedelta(hours=1)).isoformat()},
        headers=_auth(tokens["editor"]),
    )
    assert bad.status_code == 422 and "not in the future" in bad.json()["error"]["message"]
    done = client.post(
        f"/api/v1/incidents/{incident_id}/resolve", json={"note": "reloaded"}, headers=_auth(tokens["admin"])
    ).json()
    assert done["incident"]["state"] == "resolved" and done["incident"]["details"]["resolution"] == "reloaded"
    history = [e["event"] for e in client.get(f"/api/v1/incidents/{incident_id}").json()["history"]]
    assert history == ["opened", "acknowledged", "snoozed", "resolved"]
    assert client.post("/api/v1/incidents/999/resolve", headers=_auth(tokens["editor"])).status_code == 404


def test_dead_letters_are_listed_and_requeued(
    client: TestClient, store: Store, now: datetime, tokens: dict[str, str]
) -> None:
    _open(store, now)
    with store.transaction() as conn:
        [item] = list_outbox(conn)[0]
        claim(conn, item.id, now)
        mark_dead(conn, item.id, now, "Slack refused: channel_not_found")
    dead = client.get("/api/v1/alerts/outbox", params={"state": "dead"}).json()
    assert (
        dead["total"] == 1
        and dead["counts"]["dead"] == 1
        and "channel_not_found" in dead["items"][0]["last_error"]
    )
    assert (
        client.post(f"/api/v1/alerts/outbox/{item.id}/requeue", headers=_auth(tokens["viewer"])).status_code
        == 403
    )
    requeued = client.post(f"/api/v1/alerts/outbox/{item.id}/requeue", headers=_auth(tokens["editor"])).json()
    assert requeued["state"] == "pending" and requeued["attempts"] == 0
    assert (
        client.post(f"/api/v1/alerts/outbox/{item.id}/requeue", headers=_auth(tokens["editor"])).status_code
        == 409
    )
