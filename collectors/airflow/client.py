"""Talking to Airflow: the REST API (v2 for Airflow 3, v1 for Airflow 2) or exported responses.

The only I/O of the Airflow collector. Both give the same plain dicts, in the API's own shapes:
DAGs, each DAG's tasks, DAG runs and task instances (the last two from a start time on). Pages are
walked with ``limit``/``offset`` (v2) or ``page_limit``/``page_offset`` (v1 batch endpoints).

Errors: 401/403 and 404 are terminal (fix the config), 429, 5xx and network failures transient.
Secrets never appear in messages.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from collectors.airflow.config import AirflowConfig
from observer.errors import InputError, TerminalSourceError, TransientSourceError

LIST_KEYS = {"dags": "dags", "tasks": "tasks", "dag_runs": "dag_runs", "task_instances": "task_instances"}


class AirflowClient:
    """A small client over httpx; ``transport`` lets tests and benchmarks plug in a local server."""

    def __init__(self, config: AirflowConfig, transport: httpx.BaseTransport | None = None) -> None:
        assert config.base_url is not None
        self.config = config
        self.version = config.api_version
        auth = None
        if config.api_version == "v1" and config.username and config.password and not config.token:
            auth = httpx.BasicAuth(config.username, config.password.get_secret_value())
        self.http = httpx.Client(
            base_url=config.base_url.rstrip("/"), auth=auth, timeout=config.timeout_s, verify=config.verify_tls,
            transport=transport,
        )
        self._token = config.token.get_secret_value() if config.token else None

    def close(self) -> None:
        self.http.close()

    def _headers(self) -> dict[str, str]:
        if self.version == "v2" and self._token is None:
            self._token = self._login()
        return {"Authorization": f"Bearer {self._token}"} if self._token else {}

    def _login(self) -> str | None:
        """Airflow 3: ``POST /auth/token``; with ``simple_auth_manager_all_admins`` a GET needs no login."""
        if self.config.username and self.config.password:
            body = {"username": self.config.username, "password": self.config.password.get_secret_value()}
            data = self._send("POST", "/auth/token", json=body, auth_header=False)
        else:
            data = self._send("GET", "/auth/token", auth_header=False)
        token = data.get("access_token")
        return str(token) if token else None

    def _send(self, method: str, path: str, *, auth_header: bool = True, **kw: Any) -> dict[str, Any]:
        headers = self._headers() if auth_header else {}
        try:
            r = self.http.request(method, path, headers=headers, **kw)
        except httpx.TimeoutException:
            raise TransientSourceError(f"Airflow {method} {path} timed out") from None
        except httpx.TransportError as exc:
            raise TransientSourceError(f"Airflow {method} {path} failed: {type(exc).__name__}") from None
        if r.status_code in (401, 403):
            raise TerminalSourceError(f"Airflow refused {method} {path} ({r.status_code}): check username/password or token")
        if r.status_code == 404:
            raise TerminalSourceError(f"Airflow has no {path} (404): check base_url and api_version")
        if r.status_code == 429 or r.status_code >= 500:
            raise TransientSourceError(f"Airflow answered {r.status_code} to {method} {path}")
        if r.status_code >= 400:
            raise TerminalSourceError(f"Airflow answered {r.status_code} to {method} {path}: {r.text[:300]}")
        data = r.json()
        if not isinstance(data, dict):
            raise TerminalSourceError(f"Airflow {path} did not answer a JSON object")
        return data

    def _pages(self, path: str, key: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        offset = 0
        size = self.config.page_size
        while True:
            if self.version == "v2":
                data = self._send("GET", path, params={**(params or {}), "limit": size, "offset": offset})
            else:
                data = self._send("POST", path, json={**(params or {}), "page_limit": size, "page_offset": offset})
            items = data.get(key) or []
            yield from items
            offset += len(items)
            total = data.get("total_entries")
            if not items or len(items) < size or (isinstance(total, int) and offset >= total):
                return

    def dags(self) -> Iterator[dict[str, Any]]:
        base = f"/api/{self.version}/dags"
        if self.version == "v2":
            yield from self._pages(base, "dags")
        else:
            offset = 0
            while True:
                data = self._send("GET", base, params={"limit": self.config.page_size, "offset": offset})
                items = data.get("dags") or []
                yield from items
                offset += len(items)
                if not items or offset >= int(data.get("total_entries") or 0):
                    return

    def tasks(self, dag_id: str) -> list[dict[str, Any]]:
        data = self._send("GET", f"/api/{self.version}/dags/{dag_id}/tasks")
        return list(data.get("tasks") or [])

    def dag_runs(self, since: datetime | None) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {"order_by": "start_date"}
        if since is not None:
            params["start_date_gte"] = since.isoformat()
        if self.version == "v2":
            yield from self._pages("/api/v2/dags/~/dagRuns", "dag_runs", params)
        else:
            yield from self._pages("/api/v1/dags/~/dagRuns/list", "dag_runs", params)

    def task_instances(self, since: datetime | None) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {"order_by": "start_date"}
        if since is not None:
            params["start_date_gte"] = since.isoformat()
        if self.version == "v2":
            yield from self._pages("/api/v2/dags/~/dagRuns/~/taskInstances", "task_instances", params)
        else:
            params.pop("order_by")
            yield from self._pages("/api/v1/dags/~/dagRuns/~/taskInstances/list", "task_instances", params)


def _items(path: Path, key: str) -> list[dict[str, Any]]:
    """A response file: ``{"<key>": [...]}``, a list of such pages, or a bare list of items."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("file not found", file=str(path)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})", file=str(path), line=exc.lineno) from None
    pages = data if isinstance(data, list) and data and isinstance(data[0], dict) and key in data[0] else [data]
    out: list[dict[str, Any]] = []
    for page in pages:
        items = page.get(key) if isinstance(page, dict) else page
        if not isinstance(items, list):
            raise InputError(f"expected a '{key}' list", file=str(path), field=key)
        out.extend(items)
    return out


def read_export(folder: Path) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]], list[dict[str, Any]], list[dict[str, Any]]]:
    """``(dags, tasks by DAG, dag runs, task instances)`` from ``dags.json``, ``dag_runs.json``,
    ``task_instances.json`` and optional ``tasks_<dag_id>.json`` files."""
    dags = _items(folder / "dags.json", "dags")
    tasks = {p.stem[len("tasks_"):]: _items(p, "tasks") for p in sorted(folder.glob("tasks_*.json"))}
    runs = _items(folder / "dag_runs.json", "dag_runs")
    tis = _items(folder / "task_instances.json", "task_instances")
    return dags, tasks, runs, tis
