"""Dagster's GraphQL API: the only I/O of the Dagster collector.

Responses are unions: every query asks for ``__typename`` and a ``PythonError`` answer becomes a
:class:`~observer.errors.TerminalSourceError` with Dagster's message. Runs are paged with the last
``runId`` as cursor.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from collectors.dagster.config import DagsterConfig
from observer.errors import TerminalSourceError, TransientSourceError

ASSETS_QUERY = """
query ObserverAssets {
  assetNodes {
    assetKey { path }
    groupName description computeKind kinds jobNames opNames
    dependencyKeys { path }
    owners { __typename ... on UserAssetOwner { email } ... on TeamAssetOwner { team } }
    tags { key value }
    metadataEntries {
      __typename label
      ... on TextMetadataEntry { text }
      ... on IntMetadataEntry { intValue }
      ... on TableSchemaMetadataEntry { schema { columns { name type description } } }
    }
    assetMaterializations(limit: 1) {
      runId timestamp stepKey
      metadataEntries { __typename label ... on IntMetadataEntry { intValue } }
    }
  }
}
"""

RUNS_QUERY = """
query ObserverRuns($cursor: String, $limit: Int, $updatedAfter: Float) {
  runsOrError(filter: {updatedAfter: $updatedAfter}, cursor: $cursor, limit: $limit) {
    __typename
    ... on Runs {
      results {
        runId jobName status creationTime startTime endTime updateTime
        tags { key value }
        assetSelection { path }
        stepStats { stepKey status startTime endTime }
      }
    }
    ... on PythonError { message }
  }
}
"""


class DagsterClient:
    def __init__(self, config: DagsterConfig, transport: httpx.BaseTransport | None = None) -> None:
        headers = {"Dagster-Cloud-Api-Token": config.token.get_secret_value()} if config.token else {}
        self.config = config
        self.http = httpx.Client(base_url=config.url.rstrip("/"), headers=headers, timeout=config.timeout_s,
                                 transport=transport)

    def close(self) -> None:
        self.http.close()

    def query(self, text: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            r = self.http.post("/graphql", json={"query": text, "variables": variables or {}})
        except httpx.TimeoutException:
            raise TransientSourceError("Dagster GraphQL timed out") from None
        except httpx.TransportError as exc:
            raise TransientSourceError(f"Dagster GraphQL failed: {type(exc).__name__}") from None
        if r.status_code in (401, 403):
            raise TerminalSourceError(f"Dagster refused the request ({r.status_code}): check the token")
        if r.status_code == 429 or r.status_code >= 500:
            raise TransientSourceError(f"Dagster answered {r.status_code}")
        if r.status_code >= 400:
            raise TerminalSourceError(f"Dagster answered {r.status_code}: {r.text[:300]}")
        body = r.json()
        if body.get("errors"):
            raise TerminalSourceError(f"Dagster GraphQL error: {body['errors'][0].get('message')}")
        data = body.get("data")
        if not isinstance(data, dict):
            raise TerminalSourceError("Dagster GraphQL answered no data")
        return data

    def asset_nodes(self) -> list[dict[str, Any]]:
        return list(self.query(ASSETS_QUERY).get("assetNodes") or [])

    def runs(self, updated_after: float | None) -> Iterator[dict[str, Any]]:
        cursor: str | None = None
        while True:
            data = self.query(RUNS_QUERY, {"cursor": cursor, "limit": self.config.page_size, "updatedAfter": updated_after})
            result = data.get("runsOrError") or {}
            if result.get("__typename") != "Runs":
                raise TerminalSourceError(f"Dagster runsOrError: {result.get('message') or result.get('__typename')}")
            page = result.get("results") or []
            yield from page
            if len(page) < self.config.page_size:
                return
            cursor = page[-1]["runId"]
