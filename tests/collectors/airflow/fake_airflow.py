"""A fake Airflow REST API (v2 and v1) over httpx.MockTransport, serving recorded real responses.

It pages (``limit``/``offset`` for v2 GETs, ``page_limit``/``page_offset`` for v1 batch POSTs),
filters on ``start_date_gte``, demands auth the way Airflow does (v2 bearer token from
``POST /auth/token``, v1 basic auth), and counts requests so tests can see the paging happen.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

V2 = Path(__file__).parent / "fixtures" / "v2"


def load(name: str) -> dict[str, Any]:
    return json.loads((V2 / name).read_text())


class FakeAirflow:
    def __init__(self, *, username: str = "observer", password: str = "s3cret", max_page: int = 100) -> None:
        self.username, self.password, self.max_page = username, password, max_page
        self.dags = load("dags.json")["dags"]
        self.tasks = {"shop_daily": load("tasks_shop_daily.json")["tasks"]}
        self.dag_runs = load("dag_runs.json")["dag_runs"]
        self.task_instances = load("task_instances.json")["task_instances"]
        self.requests: list[str] = []
        self.token = "fake-jwt-token"

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def _authorized(self, request: httpx.Request, version: str) -> bool:
        header = request.headers.get("authorization", "")
        if version == "v2":
            return header == f"Bearer {self.token}"
        expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return header == f"Basic {expected}"

    def _page(self, items: list[dict[str, Any]], key: str, params: dict[str, Any], limit_key: str, offset_key: str) -> httpx.Response:
        since = params.get("start_date_gte")
        if since:
            floor = datetime.fromisoformat(str(since))
            items = [i for i in items if i.get("start_date") and datetime.fromisoformat(i["start_date"].replace("Z", "+00:00")) >= floor]
        limit = min(int(params.get(limit_key, 50)), self.max_page)
        offset = int(params.get(offset_key, 0))
        return httpx.Response(200, json={key: items[offset : offset + limit], "total_entries": len(items)})

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.requests.append(f"{request.method} {path}")
        if path == "/auth/token" and request.method == "POST":
            body = json.loads(request.content)
            if (body.get("username"), body.get("password")) != (self.username, self.password):
                return httpx.Response(401, json={"detail": "Invalid credentials"})
            return httpx.Response(201, json={"access_token": self.token})
        version = path.split("/")[2] if path.startswith("/api/") else ""
        if not self._authorized(request, version):
            return httpx.Response(401, json={"detail": "Not authenticated"})
        params: dict[str, Any] = dict(request.url.params)
        if request.method == "POST":
            params.update(json.loads(request.content or b"{}"))
        lk, ok = ("limit", "offset") if request.method == "GET" else ("page_limit", "page_offset")
        if path.endswith("/dags"):
            return self._page(self.dags, "dags", params, "limit", "offset")
        if path.endswith("/tasks"):
            dag_id = path.split("/")[-2]
            return httpx.Response(200, json={"tasks": self.tasks.get(dag_id, []), "total_entries": len(self.tasks.get(dag_id, []))})
        if path.endswith("/dags/~/dagRuns") or path.endswith("/dags/~/dagRuns/list"):
            return self._page(self.dag_runs, "dag_runs", params, lk, ok)
        if path.endswith("/taskInstances") or path.endswith("/taskInstances/list"):
            return self._page(self.task_instances, "task_instances", params, lk, ok)
        return httpx.Response(404, json={"detail": "Not Found"})
