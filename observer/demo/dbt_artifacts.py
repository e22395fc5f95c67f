"""dbt artifacts for the Larkspur project: manifest.json (v12), run_results.json (v6), catalog.json (v1).

The manifest describes the project as of the last invocation before ``as_of`` (so it shows
``fct_web_sessions`` as a table since the full-refresh switch). The catalog is the one ``dbt docs
generate`` wrote after the previous night's run — before the upstream rename — so it still lists
``RAW.SHOPIFY_ORDERS.DISCOUNT_CODE``: comparing it with the live warehouse reveals the schema change.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import datetime
from typing import Any

from observer.demo.company import DATABASE, DBT_PROJECT, DBT_VERSION, TEAMS
from observer.demo.data_tests import TESTS, DataTest
from observer.demo.dbt_runs import Invocation, NodeResult, materialization
from observer.demo.project import MODELS, SOURCES, Model, SourceTable
from observer.demo.timeline import Timeline

MANIFEST_SCHEMA = "https://schemas.getdbt.com/dbt/manifest/v12.json"
RUN_RESULTS_SCHEMA = "https://schemas.getdbt.com/dbt/run-results/v6.json"
CATALOG_SCHEMA = "https://schemas.getdbt.com/dbt/catalog/v1.json"
LOOKER = "https://larkspur.cloud.looker.com/dashboards"

EXPOSURES = (
    ("growth_acquisition_live", "Acquisition Live", "growth", 412,
     "Auto-refreshing TV dashboard of today's acquisition by source and campaign.",
     ("growth_acquisition_live", "fct_ad_performance")),
    ("marketing_attribution", "Marketing Attribution", "growth", 118,
     "Channel ROAS, sessions and orders by day.", ("fct_marketing_attribution", "fct_ad_performance")),
    ("weekly_revenue", "Weekly Revenue", "finance", 77, "Revenue, collections and invoicing for the close.",
     ("fin_revenue_daily", "fin_invoice_reconciliation", "fct_payments")),
    ("product_funnel", "Product Funnel", "product-analytics", 205, "Funnel conversion and cohort retention.",
     ("pa_funnel_daily", "pa_customer_retention")),
)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def _checksum(text: str) -> dict[str, str]:
    return {"name": "sha256", "checksum": hashlib.sha256(text.encode()).hexdigest()}


def _team_of_group(group: str) -> str:
    return next(t.name for t in TEAMS if t.dbt_group == group)


def _raw_code(model: Model, materialized: str) -> str:
    if model.materialized == "incremental" and materialized == "table":
        code = model.raw_code.replace("materialized='incremental'", "materialized='table'")
        start = code.find("{% if is_incremental() %}")
        while start != -1:
            end = code.find("{% endif %}", start) + len("{% endif %}")
            code = code[:start] + code[end:]
            start = code.find("{% if is_incremental() %}")
        return code
    return model.raw_code


def _columns(names: dict[str, str], types: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        name: {"name": name, "description": text, "meta": {}, "data_type": (types or {}).get(name), "constraints": [],
               "quote": None, "tags": [], "granularity": None, "doc_blocks": []}
        for name, text in sorted(names.items())
    }


def _model_node(model: Model, at: datetime, timeline: Timeline, created: float) -> dict[str, Any]:
    materialized = materialization(model, at, timeline)
    raw = _raw_code(model, materialized)
    meta = {"owner": model.owner} if model.owner else {}
    config: dict[str, Any] = {
        "enabled": True, "alias": None, "schema": model.schema.lower(), "database": None, "tags": list(model.tags),
        "meta": meta, "group": model.group, "materialized": materialized, "incremental_strategy": None,
        "persist_docs": {}, "post-hook": [], "pre-hook": [], "quoting": {}, "column_types": {},
        "full_refresh": None, "unique_key": model.unique_key if materialized == "incremental" else None,
        "on_schema_change": "ignore", "on_configuration_change": "apply", "grants": {}, "packages": [],
        "docs": {"show": True, "node_color": None}, "contract": {"enforced": False, "alias_types": True},
        "access": "protected",
    }
    node: dict[str, Any] = {
        "database": DATABASE, "schema": model.schema, "name": model.name, "resource_type": model.resource_type,
        "package_name": DBT_PROJECT, "path": model.original_file_path.split("/", 1)[1],
        "original_file_path": model.original_file_path, "unique_id": model.unique_id,
        "fqn": [DBT_PROJECT, *model.original_file_path.split("/")[1:-1], model.name], "alias": model.name,
        "checksum": _checksum(raw), "config": config, "tags": list(model.tags), "description": model.description,
        "columns": _columns(model.columns), "meta": meta, "group": model.group,
        "docs": {"show": True, "node_color": None},
        "patch_path": f"{DBT_PROJECT}://models/{model.folder}/schema.yml" if model.resource_type == "model" else None,
        "build_path": None, "unrendered_config": {"materialized": materialized, **({"meta": meta} if meta else {})},
        "created_at": created, "relation_name": model.relation, "raw_code": raw, "doc_blocks": [],
    }
    if model.resource_type == "seed":
        node["config"].update({"materialized": "seed", "delimiter": ",", "quote_columns": None})
        node["root_path"] = "/opt/dbt/larkspur"
        node["depends_on"] = {"macros": []}
        node["raw_code"] = ""
        node["checksum"] = _checksum("utm_source,utm_medium,channel")
        return node
    incremental = materialized == "incremental"
    node.update({
        "language": "sql", "refs": [{"name": r, "package": None, "version": None} for r in model.refs],
        "sources": [[s, t] for s, t in model.sources], "metrics": [],
        "depends_on": {"macros": ["macro.dbt.is_incremental"] if incremental else [], "nodes": model.depends_on},
        "compiled_path": f"target/compiled/{DBT_PROJECT}/{model.original_file_path}", "compiled": True,
        "compiled_code": model.compiled(incremental=incremental), "extra_ctes_injected": True, "extra_ctes": [],
        "contract": {"enforced": False, "alias_types": True, "checksum": None},
    })
    if model.resource_type == "snapshot":
        node["config"].update({"materialized": "snapshot", "strategy": "timestamp", "unique_key": "id",
                               "updated_at": "_loaded_at", "target_schema": "snapshots"})
        node["defer_relation"] = None
    else:
        node.update({"access": "protected", "constraints": [], "version": None, "latest_version": None,
                     "deprecation_date": None, "primary_key": [model.unique_key] if model.unique_key else [],
                     "time_spine": None})
    return node


def _test_node(test: DataTest, created: float) -> dict[str, Any]:
    generic = test.kind != "singular"
    node: dict[str, Any] = {
        "database": DATABASE, "schema": "DBT_TEST__AUDIT", "name": test.name, "resource_type": "test",
        "package_name": DBT_PROJECT, "path": f"{test.name}.sql" if generic else f"{test.name}.sql",
        "original_file_path": test.original_file_path, "unique_id": test.unique_id,
        "fqn": [DBT_PROJECT, *([MODELS_FOLDER[test.model]] if generic else []), test.name], "alias": test.name,
        "checksum": _checksum(test.raw_code),
        "config": {"enabled": True, "alias": None, "schema": "dbt_test__audit", "database": None, "tags": [],
                   "meta": {}, "group": None, "materialized": "test", "severity": test.severity,
                   "store_failures": None, "store_failures_as": None, "where": None, "limit": None,
                   "fail_calc": "count(*)", "warn_if": "!= 0", "error_if": "!= 0"},
        "tags": [], "description": "", "columns": {}, "meta": {}, "group": None,
        "docs": {"show": True, "node_color": None}, "patch_path": None, "build_path": None,
        "unrendered_config": {"severity": test.severity.lower()} if test.severity != "ERROR" else {},
        "created_at": created, "relation_name": None, "raw_code": test.raw_code, "doc_blocks": [], "language": "sql",
        "refs": [{"name": test.model, "package": None, "version": None}]
        + ([{"name": test.to_model, "package": None, "version": None}] if test.to_model else []),
        "sources": [], "metrics": [],
        "depends_on": {"macros": [f"macro.dbt.test_{test.kind}"] if generic else [], "nodes": test.depends_on},
        "compiled_path": f"target/compiled/{DBT_PROJECT}/{test.original_file_path}", "compiled": True,
        "compiled_code": test.compiled(), "extra_ctes_injected": True, "extra_ctes": [],
        "contract": {"enforced": False, "alias_types": True, "checksum": None},
    }
    if generic:
        node.update({"column_name": test.column, "file_key_name": f"models.{test.model}",
                     "attached_node": f"model.{DBT_PROJECT}.{test.model}" if MODEL_TYPES[test.model] == "model"
                     else None,
                     "test_metadata": {"name": test.kind, "kwargs": test.kwargs, "namespace": None}})
    return node


MODELS_FOLDER = {m.name: m.folder for m in MODELS}
MODEL_TYPES = {m.name: m.resource_type for m in MODELS}


def _source_node(src: SourceTable, created: float) -> dict[str, Any]:
    hourly = src.name in ("shopify_orders", "shopify_order_items", "shopify_customers", "stripe_payments")
    freshness = {"warn_after": {"count": 3 if hourly else 30, "period": "hour"},
                 "error_after": {"count": 12 if hourly else 48, "period": "hour"}, "filter": None}
    return {
        "database": DATABASE, "schema": "RAW", "name": src.name, "resource_type": "source", "package_name": DBT_PROJECT,
        "path": "models/staging/sources.yml", "original_file_path": "models/staging/sources.yml",
        "unique_id": src.unique_id, "fqn": [DBT_PROJECT, "staging", src.source, src.name], "source_name": src.source,
        "source_description": f"{src.source.title()} data loaded by {src.loader}.", "loader": src.loader,
        "identifier": src.name, "quoting": {"database": None, "schema": None, "identifier": None, "column": None},
        "loaded_at_field": src.loaded_at_field, "loaded_at_query": None, "freshness": freshness,
        "external": None, "description": src.description, "columns": {}, "meta": {}, "source_meta": {}, "tags": [],
        "config": {"enabled": True, "event_time": None, "freshness": freshness, "loaded_at_field": src.loaded_at_field,
                   "loaded_at_query": None, "meta": {}, "tags": []},
        "patch_path": None, "unrendered_config": {}, "relation_name": src.relation, "created_at": created,
        "unrendered_database": None, "unrendered_schema": "raw", "doc_blocks": [],
    }


def build_manifest(timeline: Timeline, invocation: Invocation) -> dict[str, Any]:
    at = invocation.started_at
    created = round(at.timestamp() - 3600, 3) if at.tzinfo else round((at - datetime(1970, 1, 1)).total_seconds(), 3)
    nodes: dict[str, Any] = {}
    for model in MODELS:
        nodes[model.unique_id] = _model_node(model, at, timeline, created)
    for test in TESTS:
        nodes[test.unique_id] = _test_node(test, created)
    sources = {s.unique_id: _source_node(s, created) for s in SOURCES}
    by_name = {m.name: m for m in MODELS}
    exposures = {}
    for name, label, team_name, dash_id, description, depends in EXPOSURES:
        team = next(t for t in TEAMS if t.name == team_name)
        uid = f"exposure.{DBT_PROJECT}.{name}"
        exposures[uid] = {
            "name": name, "resource_type": "exposure", "package_name": DBT_PROJECT, "path": "exposures.yml",
            "original_file_path": "models/exposures.yml", "unique_id": uid, "fqn": [DBT_PROJECT, name],
            "type": "dashboard", "owner": {"email": team.email, "name": team.name}, "description": description,
            "label": label, "maturity": "high" if name != "growth_acquisition_live" else "low",
            "meta": {"looker_dashboard_id": dash_id}, "tags": ["looker"], "config": {"enabled": True, "tags": [],
                                                                                    "meta": {}},
            "unrendered_config": {}, "url": f"{LOOKER}/{dash_id}",
            "depends_on": {"macros": [], "nodes": sorted(by_name[d].unique_id for d in depends)},
            "refs": [{"name": d, "package": None, "version": None} for d in depends], "sources": [], "metrics": [],
            "created_at": created,
        }
    groups = {
        f"group.{DBT_PROJECT}.{t.dbt_group}": {
            "name": t.dbt_group, "resource_type": "group", "package_name": DBT_PROJECT, "path": "groups.yml",
            "original_file_path": "models/groups.yml", "unique_id": f"group.{DBT_PROJECT}.{t.dbt_group}",
            "owner": {"name": t.name, "email": t.email}, "description": t.description, "config": {"meta": {}},
        }
        for t in TEAMS
    }
    parent_map: dict[str, list[str]] = {}
    child_map: dict[str, list[str]] = defaultdict(list)
    for uid, node in [*nodes.items(), *exposures.items()]:
        parents = node.get("depends_on", {}).get("nodes", [])
        parent_map[uid] = sorted(parents)
        for p in parents:
            child_map[p].append(uid)
    for uid in sources:
        parent_map[uid] = []
    full_child = {uid: sorted(child_map.get(uid, [])) for uid in [*nodes, *sources, *exposures]}
    group_map: dict[str, list[str]] = defaultdict(list)
    for uid, node in nodes.items():
        if node.get("group"):
            group_map[node["group"]].append(uid)
    macros = {
        "macro.dbt.is_incremental": _macro("is_incremental", "dbt", "macros/materializations/models/incremental/is_incremental.sql"),
        f"macro.{DBT_PROJECT}.generate_schema_name": _macro("generate_schema_name", DBT_PROJECT, "macros/generate_schema_name.sql"),
    }
    return {
        "metadata": {
            "dbt_schema_version": MANIFEST_SCHEMA, "dbt_version": DBT_VERSION, "generated_at": iso(at),
            "invocation_id": invocation.invocation_id, "invocation_started_at": iso(at), "env": {},
            "project_name": DBT_PROJECT, "project_id": hashlib.md5(DBT_PROJECT.encode()).hexdigest(),
            "user_id": None, "send_anonymous_usage_stats": False, "adapter_type": "snowflake",
            "quoting": {"database": False, "schema": False, "identifier": False, "column": None},
            "run_started_at": iso(at),
        },
        "nodes": nodes, "sources": sources, "macros": macros, "docs": {}, "exposures": exposures, "metrics": {},
        "groups": groups, "selectors": {}, "disabled": {}, "parent_map": parent_map, "child_map": full_child,
        "group_map": {k: sorted(v) for k, v in sorted(group_map.items())}, "saved_queries": {},
        "semantic_models": {}, "unit_tests": {},
    }


def _macro(name: str, package: str, path: str) -> dict[str, Any]:
    return {"name": name, "resource_type": "macro", "package_name": package, "path": path,
            "original_file_path": path, "unique_id": f"macro.{package}.{name}",
            "macro_sql": f"{{% macro {name}() %}}{{# see {package} #}}{{% endmacro %}}",
            "depends_on": {"macros": []}, "description": "", "meta": {}, "docs": {"show": True, "node_color": None},
            "patch_path": None, "arguments": [], "created_at": 0.0, "supported_languages": None}


def build_run_results(invocation: Invocation) -> dict[str, Any]:
    results = []
    for r in invocation.results:
        results.append(_result(r))
    command = "dbt build --target prod" if invocation.command == "build" else \
        f"dbt run --target prod --select {invocation.selector}"
    return {
        "metadata": {"dbt_schema_version": RUN_RESULTS_SCHEMA, "dbt_version": DBT_VERSION,
                     "generated_at": iso(invocation.finished_at), "invocation_id": invocation.invocation_id,
                     "invocation_started_at": iso(invocation.started_at), "env": {}},
        "results": results,
        "elapsed_time": round((invocation.finished_at - invocation.started_at).total_seconds(), 6),
        "args": {"which": invocation.command, "invocation_command": command, "target": "prod", "threads": 4,
                 "select": [invocation.selector] if invocation.selector else [], "exclude": [], "full_refresh": False,
                 "project_dir": "/opt/dbt/larkspur", "profiles_dir": "/opt/dbt", "vars": {}, "log_format": "json",
                 "send_anonymous_usage_stats": False},
    }


def _result(r: NodeResult) -> dict[str, Any]:
    thread = f"Thread-{r.thread + 1} (worker)"
    if r.status == "skipped" or r.compile_start is None or r.exec_end is None:
        return {"status": "skipped", "timing": [], "thread_id": thread, "execution_time": 0.0, "adapter_response": {},
                "message": r.message, "failures": None, "unique_id": r.unique_id, "compiled": None,
                "compiled_code": None, "relation_name": r.relation_name, "batch_results": None}
    timing = [{"name": "compile", "started_at": iso(r.compile_start),
               "completed_at": iso(r.compile_end or r.compile_start)},
              {"name": "execute", "started_at": iso(r.exec_start or r.compile_start), "completed_at": iso(r.exec_end)}]
    adapter = {} if r.status == "error" else {"_message": f"SUCCESS {r.rows_affected}", "code": "SUCCESS",
                                               "rows_affected": r.rows_affected, "query_id": r.query_id}
    return {"status": r.status, "timing": timing, "thread_id": thread,
            "execution_time": round((r.exec_end - r.compile_start).total_seconds(), 6), "adapter_response": adapter,
            "message": r.message, "failures": r.failures, "unique_id": r.unique_id, "compiled": True,
            "compiled_code": r.compiled_code, "relation_name": r.relation_name, "batch_results": None}


SNOWFLAKE_TYPES = {"VARCHAR": "TEXT", "BIGINT": "NUMBER", "INTEGER": "NUMBER", "HUGEINT": "NUMBER",
                   "DOUBLE": "FLOAT", "TIMESTAMP": "TIMESTAMP_NTZ", "DATE": "DATE", "BOOLEAN": "BOOLEAN"}


def snowflake_type(duckdb_type: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return "NUMBER" + duckdb_type[len("DECIMAL"):].replace(",", ",")
    return SNOWFLAKE_TYPES.get(duckdb_type, duckdb_type)


def build_catalog(generated: datetime, invocation_id: str, columns: dict[str, list[tuple[str, str]]],
                  kinds: dict[str, str], rows: dict[str, int], modified: dict[str, datetime]) -> dict[str, Any]:
    """``columns`` maps ``schema.table`` (lower case) to (column, DuckDB type) in order, as of ``generated``."""

    def entry(uid: str, schema: str, name: str) -> dict[str, Any] | None:
        key = f"{schema.lower()}.{name.lower()}"
        if key not in columns:
            return None
        table = kinds.get(key, "BASE TABLE")
        stats: dict[str, Any] = {"has_stats": {"id": "has_stats", "label": "Has Stats?", "value": table != "VIEW",
                                               "include": False,
                                               "description": "Indicates whether there are statistics for this table"}}
        if table != "VIEW":
            stats["row_count"] = {"id": "row_count", "label": "Row Count", "value": float(rows.get(key, 0)),
                                  "include": True, "description": "Number of rows in the table as reported by Snowflake"}
            stats["bytes"] = {"id": "bytes", "label": "Approximate Size", "value": float(rows.get(key, 0) * 8800),
                              "include": True, "description": "Size of the table as reported by Snowflake"}
            stats["last_modified"] = {"id": "last_modified", "label": "Last Modified",
                                      "value": modified.get(key, generated).strftime("%Y-%m-%d %H:%M") + "UTC",
                                      "include": True, "description": "The timestamp for last update/change"}
        return {
            "metadata": {"type": table, "schema": schema.upper(), "name": name.upper(), "database": DATABASE,
                         "comment": None, "owner": "TRANSFORMER" if schema.upper() != "RAW" else "LOADER"},
            "columns": {c.upper(): {"type": snowflake_type(t), "index": i + 1, "name": c.upper(), "comment": None}
                        for i, (c, t) in enumerate(columns[key])},
            "stats": stats, "unique_id": uid,
        }

    nodes = {}
    for m in MODELS:
        e = entry(m.unique_id, m.schema, m.name)
        if e:
            nodes[m.unique_id] = e
    sources = {}
    for s in SOURCES:
        e = entry(s.unique_id, "RAW", s.name)
        if e:
            sources[s.unique_id] = e
    return {"metadata": {"dbt_schema_version": CATALOG_SCHEMA, "dbt_version": DBT_VERSION,
                         "generated_at": iso(generated), "invocation_id": invocation_id,
                         "invocation_started_at": iso(generated), "env": {}},
            "nodes": nodes, "sources": sources, "errors": None}


__all__ = ["build_catalog", "build_manifest", "build_run_results"]
