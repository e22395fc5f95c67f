"""Dagster GraphQL answers → Observer values (pure).

- an asset node → an asset keyed by its ``dagster/relation_identifier`` table when it has one (so
  Dagster, dbt and the warehouse agree on the key), else ``dagster://<asset/key/path>``; group, kinds,
  jobs and tags kept; columns from ``dagster/column_schema``; row count from the latest
  materialization's ``dagster/row_count``;
- ``dependencyKeys`` → table-level lineage (origin ``dagster``);
- ``owners`` → an ownership claim: the first ``team:`` owner, else the first e-mail (the others kept as
  hints and in the provenance);
- a run → a run, and each of its steps → a task run (with the asset the step materializes), times
  from epoch seconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from observer.model import (
    Asset,
    AssetKey,
    AssetKind,
    Column,
    LineageEdge,
    OwnerKind,
    Ownership,
    OwnershipSource,
    RunRecord,
    RunStatus,
)

ORIGIN = "dagster"
RELATION = "dagster/relation_identifier"
ROW_COUNT = "dagster/row_count"
COLUMN_SCHEMA = "dagster/column_schema"
_STATUS = {
    "SUCCESS": RunStatus.SUCCESS,
    "FAILURE": RunStatus.FAILED,
    "CANCELED": RunStatus.FAILED,
    "STARTED": RunStatus.RUNNING,
    "STARTING": RunStatus.RUNNING,
    "QUEUED": RunStatus.RUNNING,
    "NOT_STARTED": RunStatus.RUNNING,
    "CANCELING": RunStatus.RUNNING,
    "SKIPPED": RunStatus.SKIPPED,
}
_SQL_KINDS = ("snowflake", "bigquery", "duckdb", "postgres", "redshift", "databricks", "trino")


@dataclass
class DagsterAssets:
    assets: list[Asset] = field(default_factory=list)
    edges: list[LineageEdge] = field(default_factory=list)
    claims: list[Ownership] = field(default_factory=list)
    hints: dict[AssetKey, tuple[str, ...]] = field(default_factory=dict)
    by_path: dict[str, AssetKey] = field(default_factory=dict)
    """``a/b/c`` Dagster asset key → Observer asset key."""
    by_step: dict[str, AssetKey] = field(default_factory=dict)
    """op / step name → the asset it materializes."""


def path_of(node: Mapping[str, Any]) -> str:
    return "/".join(str(p) for p in (node.get("assetKey") or node).get("path") or ())


def _entries(node: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(e.get("label")): e for e in node.get("metadataEntries") or () if isinstance(e, dict)}


def asset_key(node: Mapping[str, Any], platform: str | None) -> AssetKey:
    entries = _entries(node)
    relation = (entries.get(RELATION) or {}).get("text")
    if relation:
        kinds = [k for k in node.get("kinds") or () if k in _SQL_KINDS] or [node.get("computeKind")]
        chosen = platform or next((k for k in kinds if k in _SQL_KINDS), None)
        # Without a configured platform or a SQL kind the table's warehouse is unknown: say so in the key.
        return AssetKey.of(str(chosen or "warehouse"), str(relation))
    return AssetKey("dagster", path_of(node).lower())


def _columns(node: Mapping[str, Any]) -> tuple[Column, ...]:
    schema = (_entries(node).get(COLUMN_SCHEMA) or {}).get("schema") or {}
    return tuple(Column(str(c["name"]), c.get("type"), c.get("description"), i)
                 for i, c in enumerate(schema.get("columns") or ()) if c.get("name"))


def _row_count(node: Mapping[str, Any]) -> int | None:
    for m in node.get("assetMaterializations") or ():
        for e in m.get("metadataEntries") or ():
            if e.get("label") == ROW_COUNT and isinstance(e.get("intValue"), int):
                return int(e["intValue"])
    return None


def parse_asset_nodes(nodes: Sequence[Mapping[str, Any]], *, platform: str | None, source: str) -> DagsterAssets:
    out = DagsterAssets()
    for node in nodes:
        out.by_path[path_of(node)] = asset_key(node, platform)
    for node in nodes:
        path = path_of(node)
        key = out.by_path[path]
        tags = tuple(sorted(f"{t['key']}={t['value']}" if t.get("value") else str(t["key"])
                            for t in node.get("tags") or () if not str(t.get("key", "")).startswith("dagster/kind/")))
        jobs = [j for j in node.get("jobNames") or () if not str(j).startswith("__")]
        out.assets.append(Asset(
            key=key,
            kind=AssetKind.TABLE if key.platform != "dagster" else AssetKind.DATASET,
            description=node.get("description") or None,
            columns=_columns(node),
            tags=tags,
            source=source,
            external_id=path,
            row_count=_row_count(node),
            meta={k: v for k, v in {"dagster_group": node.get("groupName"), "dagster_jobs": jobs,
                                    "dagster_kinds": list(node.get("kinds") or ()) or None}.items() if v},
        ))
        for op in node.get("opNames") or ():
            out.by_step[str(op)] = key
        for dep in node.get("dependencyKeys") or ():
            upstream = out.by_path.get(path_of(dep)) or AssetKey("dagster", path_of(dep).lower())
            out.edges.append(LineageEdge(upstream, key, ORIGIN))
        claim = _claim(key, path, node.get("owners") or ())
        if claim is not None:
            out.claims.append(claim[0])
            out.hints[key] = claim[1]
    return out


def _claim(key: AssetKey, path: str, owners: Any) -> tuple[Ownership, tuple[str, ...]] | None:
    teams = [str(o["team"]) for o in owners if o.get("__typename") == "TeamAssetOwner" and o.get("team")]
    emails = [str(o["email"]) for o in owners if o.get("__typename") == "UserAssetOwner" and o.get("email")]
    if not teams and not emails:
        return None
    owner, kind = (teams[0], OwnerKind.TEAM) if teams else (emails[0], OwnerKind.USER)
    others = [n for n in [*(f"team:{t}" for t in teams), *emails] if n not in (f"team:{owner}", owner)]
    more = f" (also {', '.join(others)})" if others else ""
    detail = f"Dagster owners of asset {path}{more}"
    return Ownership(key, owner, kind, OwnershipSource.ORCHESTRATOR, detail, ORIGIN), tuple([*teams, *emails])


def _time(value: Any) -> datetime | None:
    return datetime.fromtimestamp(float(value), UTC) if isinstance(value, int | float) and value > 0 else None


def parse_run(run: Mapping[str, Any], assets: DagsterAssets, *, source: str, warehouse_user: str | None = None,
              rows: Mapping[tuple[str, str], int] | None = None) -> list[RunRecord]:
    """The run and one task run per step; ``rows`` maps (run id, step) to materialized row counts."""
    run_id = str(run["runId"])
    job = str(run.get("jobName") or "")
    tags = {str(t["key"]): str(t.get("value")) for t in run.get("tags") or () if t.get("key")}
    base_attrs: dict[str, Any] = {"dagster_run_id": run_id}
    if warehouse_user:
        base_attrs["warehouse_user"] = warehouse_user
    out = [RunRecord(
        source=source, run_id=run_id, orchestrator="dagster", job=job,
        status=_STATUS.get(str(run.get("status")), RunStatus.OTHER),
        start_time=_time(run.get("startTime")) or _time(run.get("creationTime")), end_time=_time(run.get("endTime")),
        attributes={**base_attrs, **({"tags": tags} if tags else {}),
                    "assets": ["/".join(a["path"]) for a in run.get("assetSelection") or ()]},
    )]
    for step in run.get("stepStats") or ():
        key = str(step.get("stepKey"))
        out.append(RunRecord(
            source=source, run_id=f"{run_id}:{key}", orchestrator="dagster", job=job,
            status=_STATUS.get(str(step.get("status")), RunStatus.OTHER),
            start_time=_time(step.get("startTime")), end_time=_time(step.get("endTime")),
            task=key, parent_run_id=run_id, asset=assets.by_step.get(key),
            rows_affected=(rows or {}).get((run_id, key)),
            attributes=dict(base_attrs),
        ))
    return out


def materialized_rows(nodes: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str], int]:
    """(run id, step) → ``dagster/row_count`` of the latest materialization of each asset."""
    out: dict[tuple[str, str], int] = {}
    for node in nodes:
        for m in node.get("assetMaterializations") or ():
            for e in m.get("metadataEntries") or ():
                if e.get("label") == ROW_COUNT and isinstance(e.get("intValue"), int) and m.get("runId"):
                    out[(str(m["runId"]), str(m.get("stepKey") or ""))] = int(e["intValue"])
    return out
