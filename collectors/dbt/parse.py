"""dbt artifacts → Observer values (pure: dicts in, frozen values out).

- ``manifest.json`` (schema v10–v12): models, seeds, snapshots, sources and exposures become assets
  keyed by their ``relation_name``; ``depends_on.nodes`` become table-level lineage; compiled SQL
  gives column-level lineage (through :mod:`observer.lineage`); owners come from ``config.meta.owner``,
  then ``meta.owner``, then the owner of the node's ``group``; data tests become checks.
- ``run_results.json`` (v4–v6): each executed model/seed/snapshot becomes a task run under the
  invocation's run, with its execution window (what query ↔ run joins use), rows affected and query
  id; each test result becomes a check result on the asset the test is attached to.
- ``catalog.json``: column types and positions, table comments and row/byte statistics.

Nothing here reads files or the clock; :mod:`collectors.dbt.client` does the reading.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from observer.errors import InputError
from observer.identifiers import normalize_qualified_name
from observer.lineage import extract_lineage
from observer.model import (
    Asset,
    AssetKey,
    AssetKind,
    CheckResult,
    CheckStatus,
    Column,
    LineageEdge,
    OwnerKind,
    Ownership,
    OwnershipSource,
    RunRecord,
    RunStatus,
    Severity,
)

ORIGIN = "dbt"
_KINDS = {"model": AssetKind.MODEL, "seed": AssetKind.SEED, "snapshot": AssetKind.SNAPSHOT}
_RUN_STATUS = {
    "success": RunStatus.SUCCESS,
    "error": RunStatus.FAILED,
    "fail": RunStatus.FAILED,
    "skipped": RunStatus.SKIPPED,
    "partial success": RunStatus.FAILED,
    "runtime error": RunStatus.FAILED,
}
_CHECK_STATUS = {
    "pass": CheckStatus.PASS,
    "fail": CheckStatus.FAIL,
    "warn": CheckStatus.WARN,
    "error": CheckStatus.ERROR,
    "runtime error": CheckStatus.ERROR,
    "skipped": CheckStatus.SKIPPED,
}
# Commands whose run_results describe no data being written.
_NOT_RUNS = {"compile", "generate", "docs", "list", "ls", "parse", "show", "debug", "deps", "clean"}
# dbt adapter → Observer platform name (the warehouse's, so dbt and query history share keys).
PLATFORMS = {"postgres": "postgres", "duckdb": "duckdb", "snowflake": "snowflake", "bigquery": "bigquery",
             "redshift": "redshift", "databricks": "databricks", "spark": "databricks", "trino": "trino"}


@dataclass(frozen=True)
class DbtTest:
    unique_id: str
    name: str
    asset: AssetKey
    column: str | None
    test_type: str
    severity: Severity


@dataclass
class DbtProject:
    """What a manifest says, ready for the store."""

    project: str
    platform: str
    invocation_id: str | None
    generated_at: datetime
    origin: str = "dbt"
    """Ownership claims are made as this origin (``dbt:<source name>``)."""
    assets: list[Asset] = field(default_factory=list)
    edges: list[LineageEdge] = field(default_factory=list)
    claims: list[Ownership] = field(default_factory=list)
    owner_hints: dict[AssetKey, tuple[str, ...]] = field(default_factory=dict)
    """Per claimed asset, names a team may be known by (group name, owner e-mail …)."""
    keys: dict[str, AssetKey] = field(default_factory=dict)
    """unique_id → asset key, for every node that is an asset."""
    owners: dict[str, str] = field(default_factory=dict)
    tests: dict[str, DbtTest] = field(default_factory=dict)
    column_lineage_errors: dict[str, str] = field(default_factory=dict)
    """unique_id → why its compiled SQL gave no column lineage."""


def parse_time(value: Any, where: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"not an ISO timestamp: {value!r}", field=where) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _relation_key(platform: str, node: Mapping[str, Any]) -> AssetKey | None:
    relation = node.get("relation_name")
    if not relation:
        parts = [node.get("database"), node.get("schema"), node.get("alias") or node.get("identifier") or node.get("name")]
        parts = [p for p in parts if p]
        if len(parts) < 2:
            return None
        relation = ".".join(f'"{p}"' if node.get("quoting", {}).get("identifier") else str(p) for p in parts)
    return AssetKey.of(platform, str(relation))


def exposure_key(unique_id: str) -> AssetKey:
    """Exposures are not relations: ``dbt://exposure.<package>.<name>``, after their unique_id."""
    return AssetKey("dbt", unique_id.lower())


def _emails(value: Any) -> list[str]:
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if v]
    return []


def declared_owner(node: Mapping[str, Any], groups: Mapping[str, Any]) -> tuple[str, str, tuple[str, ...]] | None:
    """``(owner, provenance, team hints)`` by dbt's precedence, or ``None`` when nobody is declared."""
    uid = node.get("unique_id", "?")
    config_meta = (node.get("config") or {}).get("meta") or {}
    if config_meta.get("owner"):
        owner = str(config_meta["owner"])
        return owner, f"dbt config.meta.owner on {uid}", (owner,)
    meta = node.get("meta") or {}
    if meta.get("owner"):
        owner = str(meta["owner"])
        return owner, f"dbt meta.owner on {uid}", (owner,)
    group = node.get("group") or (node.get("config") or {}).get("group")
    if group:
        found = next((g for g in groups.values() if g.get("name") == group), None)
        g_owner = (found or {}).get("owner") or {}
        emails = _emails(g_owner.get("email"))
        name = g_owner.get("name")
        owner = group
        hints = (group, *emails, *([name] if name else []))
        who = ", ".join([*([name] if name else []), *emails])
        return owner, f"dbt group {group!r} of {uid}" + (f" (owner {who})" if who else ""), hints
    if node.get("resource_type") == "exposure":
        e_owner = node.get("owner") or {}
        emails = _emails(e_owner.get("email"))
        exposure_owner = emails[0] if emails else e_owner.get("name")
        if exposure_owner:
            return str(exposure_owner), f"dbt exposure owner of {uid}", tuple(emails + ([e_owner["name"]] if e_owner.get("name") else []))
    return None


def _columns(node: Mapping[str, Any], catalog_node: Mapping[str, Any] | None) -> tuple[Column, ...]:
    documented = node.get("columns") or {}
    typed = (catalog_node or {}).get("columns") or {}
    by_lower = {str(k).lower(): v for k, v in typed.items()}
    out: dict[str, Column] = {}
    for name, col in typed.items():
        doc = documented.get(name) or documented.get(str(name).lower()) or {}
        out[str(name).lower()] = Column(str(col.get("name") or name), col.get("type"), doc.get("description") or col.get("comment") or None,
                                        col.get("index"))
    for name, doc in documented.items():
        if str(name).lower() in out or str(name).lower() in by_lower:
            continue
        out[str(name).lower()] = Column(str(name), doc.get("data_type"), doc.get("description") or None, None)
    ordered = sorted(out.values(), key=lambda c: (c.position is None, c.position or 0, c.name))
    return tuple(Column(c.name, c.data_type, c.description, i) for i, c in enumerate(ordered))


def _stats(catalog_node: Mapping[str, Any] | None) -> tuple[int | None, int | None]:
    stats = (catalog_node or {}).get("stats") or {}

    def value(*names: str) -> int | None:
        for n in names:
            s = stats.get(n)
            if isinstance(s, dict) and s.get("include", True) and isinstance(s.get("value"), int | float):
                return int(s["value"])
        return None

    return value("row_count", "num_rows"), value("bytes", "num_bytes")


def parse_manifest(
    manifest: Mapping[str, Any],
    *,
    platform: str | None = None,
    catalog: Mapping[str, Any] | None = None,
    column_lineage: bool = True,
    source_name: str = "dbt",
) -> DbtProject:
    """Assets, lineage, owners and tests of one manifest (optionally enriched by ``catalog.json``)."""
    meta = manifest.get("metadata") or {}
    if "nodes" not in manifest:
        raise InputError("not a dbt manifest (no 'nodes')", field="nodes")
    adapter = str(meta.get("adapter_type") or "")
    platform = platform or PLATFORMS.get(adapter, adapter or "generic")
    generated = parse_time(meta.get("generated_at"), "metadata.generated_at") or datetime(1970, 1, 1, tzinfo=UTC)
    project = DbtProject(
        str(meta.get("project_name") or "dbt"), platform, meta.get("invocation_id"), generated, f"dbt:{source_name}"
    )
    groups = manifest.get("groups") or {}
    cat_nodes = {**((catalog or {}).get("nodes") or {}), **((catalog or {}).get("sources") or {})}
    described: list[tuple[str, Mapping[str, Any], AssetKind]] = []
    for uid, node in (manifest.get("nodes") or {}).items():
        kind = _KINDS.get(node.get("resource_type", ""))
        if kind is not None:
            described.append((uid, node, kind))
    for uid, node in (manifest.get("sources") or {}).items():
        described.append((uid, node, AssetKind.SOURCE))
    for uid, node, _kind in described:
        key = _relation_key(platform, node)
        if key is None:
            continue
        project.keys[uid] = key
    for uid in manifest.get("exposures") or {}:
        project.keys[uid] = exposure_key(uid)
    for uid, node, kind in described:
        key = project.keys.get(uid)
        if key is None:
            continue
        config = node.get("config") or {}
        cat = cat_nodes.get(uid)
        rows, size = _stats(cat)
        description = node.get("description") or (cat or {}).get("metadata", {}).get("comment") or None
        if kind is AssetKind.SOURCE and not description:
            description = node.get("source_description") or None
        project.assets.append(
            Asset(
                key=key,
                kind=kind,
                description=description,
                columns=_columns(node, cat),
                tags=tuple(sorted(set(node.get("tags") or ()) | set(config.get("tags") or ()))),
                source=source_name,
                external_id=uid,
                code_path=node.get("original_file_path"),
                code=node.get("raw_code") or node.get("raw_sql") or None,
                row_count=rows,
                bytes=size,
                meta={k: v for k, v in {
                    "dbt_project": node.get("package_name"),
                    "materialized": config.get("materialized"),
                    "group": node.get("group") or config.get("group"),
                    "access": node.get("access"),
                    "loader": node.get("loader") or None,
                    "source_name": node.get("source_name"),
                }.items() if v},
            )
        )
        for parent in (node.get("depends_on") or {}).get("nodes") or ():
            if parent in project.keys:
                project.edges.append(LineageEdge(project.keys[parent], key, ORIGIN))
        _claim(project, uid, node, groups, key)
        if column_lineage and kind in (AssetKind.MODEL, AssetKind.SNAPSHOT):
            _column_lineage(project, uid, node, key, cat_nodes, manifest)
    for uid, node in (manifest.get("exposures") or {}).items():
        key = project.keys[uid]
        project.assets.append(
            Asset(
                key=key,
                kind=AssetKind.EXPOSURE,
                description=node.get("description") or None,
                tags=tuple(node.get("tags") or ()),
                source=source_name,
                external_id=uid,
                code_path=node.get("original_file_path"),
                meta={k: v for k, v in {"url": node.get("url"), "type": node.get("type"), "maturity": node.get("maturity"),
                                        "label": node.get("label")}.items() if v},
            )
        )
        for parent in (node.get("depends_on") or {}).get("nodes") or ():
            if parent in project.keys:
                project.edges.append(LineageEdge(project.keys[parent], key, ORIGIN))
        _claim(project, uid, node, groups, key)
    for uid, node in (manifest.get("nodes") or {}).items():
        if node.get("resource_type") == "test":
            test = _test(uid, node, project.keys)
            if test is not None:
                project.tests[uid] = test
    return project


def _claim(project: DbtProject, uid: str, node: Mapping[str, Any], groups: Mapping[str, Any], key: AssetKey) -> None:
    found = declared_owner(node, groups)
    if found is None:
        return
    owner, detail, hints = found
    is_group = detail.startswith("dbt group")
    kind = OwnerKind.TEAM if is_group or "@" not in owner else OwnerKind.USER
    project.claims.append(Ownership(key, owner, kind, OwnershipSource.ORCHESTRATOR, detail, project.origin))
    project.owner_hints[key] = hints
    project.owners[uid] = owner


def _column_lineage(
    project: DbtProject, uid: str, node: Mapping[str, Any], key: AssetKey, cat_nodes: Mapping[str, Any],
    manifest: Mapping[str, Any],
) -> None:
    compiled = node.get("compiled_code") or node.get("compiled_sql")
    relation = node.get("relation_name")
    if not compiled or not relation:
        return
    schema: dict[str, list[str]] = {}
    for parent in (node.get("depends_on") or {}).get("nodes") or ():
        pnode = (manifest.get("nodes") or {}).get(parent) or (manifest.get("sources") or {}).get(parent) or {}
        prel = pnode.get("relation_name")
        cols = list(((cat_nodes.get(parent) or {}).get("columns") or {}).keys()) or list((pnode.get("columns") or {}).keys())
        if prel and cols:
            schema[normalize_qualified_name(prel, project.platform)] = [c.lower() for c in cols]
    result = extract_lineage(f"CREATE TABLE {relation} AS {compiled}", project.platform, schema or None)
    if result.error:
        project.column_lineage_errors[uid] = result.error
    for src, dst in sorted(result.column_lineage):
        src_table, _, src_col = src.rpartition(".")
        _dst_table, _, dst_col = dst.rpartition(".")
        if not src_table or src_col == "*" or dst_col == "*":
            continue
        project.edges.append(LineageEdge(AssetKey.of(project.platform, src_table), key, ORIGIN, src_col, dst_col))


def _test(uid: str, node: Mapping[str, Any], keys: Mapping[str, AssetKey]) -> DbtTest | None:
    attached = node.get("attached_node")
    parents = [p for p in (node.get("depends_on") or {}).get("nodes") or () if p in keys]
    target = attached if attached in keys else (parents[0] if parents else None)
    if target is None:
        return None
    meta = node.get("test_metadata") or {}
    severity = str((node.get("config") or {}).get("severity") or "error").lower()
    return DbtTest(
        uid,
        str(node.get("name") or uid),
        keys[target],
        node.get("column_name") or (meta.get("kwargs") or {}).get("column_name"),
        str(meta.get("name") or "singular"),
        Severity.HIGH if severity == "error" else Severity.LOW,
    )


@dataclass
class DbtRun:
    """One ``run_results.json``: the invocation, its node runs and its test results."""

    invocation_id: str
    command: str | None
    generated_at: datetime
    runs: list[RunRecord] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    skipped: bool = False
    """True for commands that write no data (``dbt docs generate``, ``compile`` …)."""


def _window(result: Mapping[str, Any], where: str) -> tuple[datetime | None, datetime | None, datetime | None]:
    timing = {t.get("name"): t for t in result.get("timing") or ()}
    execute = timing.get("execute") or {}
    compile_ = timing.get("compile") or {}
    start = parse_time(execute.get("started_at"), f"{where}.timing.execute.started_at")
    end = parse_time(execute.get("completed_at"), f"{where}.timing.execute.completed_at")
    compiled = parse_time(compile_.get("started_at"), f"{where}.timing.compile.started_at")
    return start or compiled, end, compiled


def parse_run_results(
    run_results: Mapping[str, Any],
    project: DbtProject,
    *,
    source: str,
    warehouse_user: str | None = None,
    file: str = "run_results.json",
) -> tuple[DbtRun, list[str]]:
    """Runs and check results of one invocation; bad results are returned as ``file [field]: why``."""
    meta = run_results.get("metadata") or {}
    invocation = meta.get("invocation_id")
    if not invocation:
        raise InputError("no metadata.invocation_id", file=file, field="metadata.invocation_id")
    args = run_results.get("args") or {}
    command = args.get("which")
    generated = parse_time(meta.get("generated_at"), "metadata.generated_at") or project.generated_at
    out = DbtRun(str(invocation), command, generated, skipped=command in _NOT_RUNS)
    if out.skipped:
        return out, []
    errors: list[str] = []
    attrs_common: dict[str, Any] = {"invocation_id": invocation}
    if warehouse_user:
        attrs_common["warehouse_user"] = warehouse_user
    starts: list[datetime] = []
    ends: list[datetime] = []
    worst = RunStatus.SUCCESS
    counts: dict[str, int] = {}
    for i, result in enumerate(run_results.get("results") or ()):
        where = f"results[{i}]"
        try:
            uid = str(result["unique_id"])
            status = str(result.get("status") or "").lower()
            start, end, compiled = _window(result, where)
        except (KeyError, InputError) as exc:
            errors.append(f"{file} [{where}]: {exc}")
            continue
        counts[status] = counts.get(status, 0) + 1
        if start:
            starts.append(start)
        if end:
            ends.append(end)
        if status in ("error", "fail", "runtime error"):
            worst = RunStatus.FAILED
        resource = uid.split(".", 1)[0]
        if resource == "test":
            test = project.tests.get(uid)
            if test is None:
                continue
            failures = result.get("failures")
            out.checks.append(
                CheckResult(
                    check=f"dbt:{test.name}",
                    check_type="dbt_test",
                    asset=test.asset,
                    status=_CHECK_STATUS.get(status, CheckStatus.ERROR),
                    evaluated_at=end or start or generated,
                    message=str(result.get("message") or status),
                    severity=test.severity,
                    observed={k: v for k, v in {"failures": failures, "test": test.test_type, "column": test.column,
                                                "unique_id": uid}.items() if v is not None},
                    run_key=str(invocation),
                )
            )
            continue
        if resource not in _KINDS:
            continue
        adapter = result.get("adapter_response") or {}
        key = project.keys.get(uid)
        if key is None and result.get("relation_name"):
            key = AssetKey.of(project.platform, str(result["relation_name"]))
        rows = adapter.get("rows_affected")
        query_id = adapter.get("query_id") or adapter.get("job_id")
        extra = {k: adapter[k] for k in ("bytes_processed", "bytes_billed", "slot_ms", "code", "_message") if adapter.get(k) is not None}
        out.runs.append(
            RunRecord(
                source=source,
                run_id=f"{invocation}:{uid}",
                orchestrator="dbt",
                job=project.project,
                status=_RUN_STATUS.get(status, RunStatus.OTHER),
                start_time=start,
                end_time=end,
                task=uid,
                parent_run_id=str(invocation),
                asset=key,
                owner=project.owners.get(uid),
                rows_affected=int(rows) if isinstance(rows, int | float) and rows >= 0 else None,
                query_ids=(str(query_id),) if query_id else (),
                attributes={
                    **attrs_common,
                    "thread_id": result.get("thread_id"),
                    "execution_time": result.get("execution_time"),
                    "compile_started_at": compiled.isoformat() if compiled else None,
                    "message": result.get("message"),
                    **extra,
                },
            )
        )
    started = parse_time(meta.get("invocation_started_at"), "metadata.invocation_started_at")
    out.runs.append(
        RunRecord(
            source=source,
            run_id=str(invocation),
            orchestrator="dbt",
            job=project.project,
            status=worst,
            start_time=started or (min(starts) if starts else None),
            end_time=max(ends) if ends else generated,
            attributes={
                **attrs_common,
                "command": command,
                "elapsed_time": run_results.get("elapsed_time"),
                "statuses": dict(sorted(counts.items())),
                "dbt_version": meta.get("dbt_version"),
            },
        )
    )
    return out, errors


_FRESHNESS = {"pass": CheckStatus.PASS, "warn": CheckStatus.WARN, "error": CheckStatus.FAIL,
              "runtime error": CheckStatus.ERROR}


def parse_sources_freshness(sources: Mapping[str, Any], project: DbtProject, *, file: str = "sources.json") -> tuple[list[CheckResult], list[str]]:
    """``dbt source freshness`` results (``sources.json``) → one ``dbt:source_freshness`` result per source.

    dbt's ``error`` (older than ``error_after``) is a failed check; ``runtime error`` (the query failed)
    an errored one. The observed values keep ``max_loaded_at`` and the age in seconds.
    """
    meta = sources.get("metadata") or {}
    invocation = meta.get("invocation_id")
    if not invocation:
        raise InputError("no metadata.invocation_id", file=file, field="metadata.invocation_id")
    generated = parse_time(meta.get("generated_at"), "metadata.generated_at") or project.generated_at
    out: list[CheckResult] = []
    errors: list[str] = []
    for i, result in enumerate(sources.get("results") or ()):
        where = f"results[{i}]"
        uid = result.get("unique_id")
        key = project.keys.get(str(uid))
        if key is None:
            errors.append(f"{file} [{where}.unique_id]: {uid!r} is not a source of the manifest")
            continue
        try:
            snapshotted = parse_time(result.get("snapshotted_at"), f"{where}.snapshotted_at")
        except InputError as exc:
            errors.append(f"{file} [{exc.field}]: {exc.reason}")
            continue
        status = str(result.get("status") or "").lower()
        age = result.get("max_loaded_at_time_ago_in_s")
        criteria = result.get("criteria") or {}
        message = (f"last loaded {age / 3600:.1f} h ago" if isinstance(age, int | float) else str(result.get("error") or status))
        out.append(CheckResult(
            check="dbt:source_freshness",
            check_type="dbt_source_freshness",
            asset=key,
            status=_FRESHNESS.get(status, CheckStatus.ERROR),
            evaluated_at=snapshotted or generated,
            message=message,
            severity=Severity.HIGH if status == "error" else Severity.MEDIUM,
            observed={k: v for k, v in {"max_loaded_at": result.get("max_loaded_at"), "age_s": age,
                                        "unique_id": uid}.items() if v is not None},
            expected={k: v for k, v in {"warn_after": criteria.get("warn_after"),
                                        "error_after": criteria.get("error_after")}.items() if v},
            run_key=str(invocation),
        ))
    return out, errors
