"""The OpenLineage receiver, fed by the real openlineage-python client over HTTP to a real server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime

import pytest
import uvicorn
from fastapi.testclient import TestClient
from openlineage.client import OpenLineageClient
from openlineage.client.serde import Serde
from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport
from sqlalchemy import func, select

from observer.api.app import create_app
from observer.catalog.owner_lookup import lookup_owner
from observer.config import Settings
from observer.model import AssetKey, OwnershipSource, RunStatus, Team
from observer.store import Store
from observer.store.lineage import upstream_edges
from observer.store.ownership import sync_teams
from observer.store.runs import get_run
from observer.store.tables import openlineage_events, runs
from observer.store.tokens import Role, create_token
from tests.collectors.openlineage.events import RUN_ID, churn_events

CHURN = AssetKey.of("postgres", "analytics.marts.customer_churn_scores")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(store: Store, now: datetime) -> Iterator[tuple[str, str]]:
    """A real HTTP server over the app; yields (base URL, editor token)."""
    with store.transaction() as conn:
        _, secret = create_token(conn, "airflow-lineage", Role.EDITOR, now)
        sync_teams(conn, [Team("product-analytics", "#product-analytics")])
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(Settings(), store, clock=lambda: now), host="127.0.0.1",
                                        port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", secret
    srv.should_exit = True
    thread.join(timeout=10)


def client_for(url: str, token: str) -> OpenLineageClient:
    return OpenLineageClient(transport=HttpTransport(HttpConfig(url=url, auth=ApiKeyTokenProvider({"apiKey": token}))))


def test_real_client_events_become_run_assets_lineage_and_owner(server, store) -> None:
    url, token = server
    client = client_for(url, token)
    for event in churn_events():
        client.emit(event)
    with store.read() as conn:
        run = get_run(conn, "openlineage", RUN_ID)
        assert run.status is RunStatus.SUCCESS and run.orchestrator == "airflow"
        assert (run.job, run.task) == ("churn_model", "score_customers")
        assert run.start_time.isoformat() == "2026-03-01T02:00:00+00:00"
        assert run.end_time.isoformat() == "2026-03-01T02:04:30+00:00"
        assert run.asset == CHURN and run.rows_affected == 1234
        ups = {str(e.upstream) for e in upstream_edges(conn, CHURN)}
        assert ups == {"postgres://analytics.marts.fct_orders", "postgres://analytics.marts.dim_customers"}
        cols = {(e.upstream.short_name, e.upstream_column, e.downstream_column) for e in upstream_edges(conn, CHURN, columns=True)}
        assert ("dim_customers", "order_count", "churn_score") in cols
        answer = lookup_owner(conn, "customer_churn_scores")
    assert answer.owner.owner == "product-analytics" and answer.owner.source is OwnershipSource.ORCHESTRATOR
    assert answer.slack_channel == "#product-analytics"
    assert answer.last_run.run_id == RUN_ID
    assert answer.asset.description == "Weekly churn scores."
    assert [c.name for c in answer.asset.columns] == ["customer_id", "churn_score"]


def test_same_event_twice_is_stored_once(server, store) -> None:
    url, token = server
    client = client_for(url, token)
    start, complete = churn_events()
    client.emit(complete)
    client.emit(complete)
    client.emit(start)  # arrives late: the run keeps its COMPLETE status and gains its start time
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(openlineage_events)).scalar_one() == 2
        assert conn.execute(select(func.count()).select_from(runs)).scalar_one() == 1
        run = get_run(conn, "openlineage", RUN_ID)
    assert run.status is RunStatus.SUCCESS and run.start_time is not None and run.end_time is not None


@pytest.fixture
def api(sqlite_store: Store, now: datetime) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """Validation and auth never reach the store's dialect, so SQLite alone covers them."""
    with sqlite_store.transaction() as conn:
        tokens = {r.value: create_token(conn, f"t-{r.value}", r, now)[1] for r in Role}
    with TestClient(create_app(Settings(), sqlite_store, clock=lambda: now)) as c:
        yield c, tokens


def event_json() -> dict:
    import json

    return json.loads(Serde.to_json(churn_events()[1]))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda e: e["run"].update(runId="not-a-uuid"), "run.runId"),
        (lambda e: e.pop("eventTime"), "eventTime"),
        (lambda e: e.update(eventTime="yesterday"), "eventTime"),
        (lambda e: e["job"].pop("name"), "job.name"),
        (lambda e: e.update(eventType="DONE"), "eventType"),
        (lambda e: e["outputs"][0].pop("namespace"), "outputs[0].namespace"),
        (lambda e: e.update(inputs={"a": 1}), "inputs"),
    ],
)
def test_invalid_events_get_422_naming_the_field(api, change, field) -> None:
    client, tokens = api
    event = event_json()
    change(event)
    r = client.post("/api/v1/lineage", json=event, headers={"Authorization": f"Bearer {tokens['editor']}"})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["message"].startswith(field)


def test_receiver_needs_an_editor_token(api, sqlite_store) -> None:
    client, tokens = api
    assert client.post("/api/v1/lineage", json=event_json()).status_code == 401
    r = client.post("/api/v1/lineage", json=event_json(), headers={"Authorization": f"Bearer {tokens['viewer']}"})
    assert r.status_code == 403
    r = client.post("/api/v1/lineage", content=b"{not json", headers={"Authorization": f"Bearer {tokens['editor']}"})
    assert r.status_code == 400
    with sqlite_store.read() as conn:
        assert conn.execute(select(func.count()).select_from(openlineage_events)).scalar_one() == 0
