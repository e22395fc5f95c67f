"""The generated files are in the vendors' exact formats, and agree with each other."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import datetime, timedelta

import duckdb
import pytest
from dbt_artifacts_parser.parser import parse_catalog, parse_manifest, parse_run_results

from observer.config import load_config
from observer.demo import DemoManifest
from observer.demo.company import CREDITS_PER_HOUR
from observer.demo.query_history import ATTRIBUTION_COLUMNS, METERING_COLUMNS, QUERY_HISTORY_COLUMNS
from tests.demo.conftest import read_export

Export = tuple[list[str], list[dict[str, str]]]
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \+0000$")
# The columns the cost model needs, as ACCOUNT_USAGE.QUERY_HISTORY names them.
COST_COLUMNS = (
    "QUERY_ID", "QUERY_TEXT", "DATABASE_NAME", "SCHEMA_NAME", "QUERY_TYPE", "SESSION_ID", "USER_NAME", "ROLE_NAME",
    "WAREHOUSE_NAME", "WAREHOUSE_SIZE", "WAREHOUSE_TYPE", "CLUSTER_NUMBER", "QUERY_TAG", "EXECUTION_STATUS",
    "ERROR_CODE", "ERROR_MESSAGE", "START_TIME", "END_TIME", "TOTAL_ELAPSED_TIME", "COMPILATION_TIME",
    "EXECUTION_TIME", "QUEUED_PROVISIONING_TIME", "QUEUED_REPAIR_TIME", "QUEUED_OVERLOAD_TIME",
    "TRANSACTION_BLOCKED_TIME", "BYTES_SCANNED", "BYTES_WRITTEN", "ROWS_PRODUCED", "ROWS_INSERTED", "ROWS_UPDATED",
    "ROWS_DELETED", "PARTITIONS_SCANNED", "PARTITIONS_TOTAL", "CREDITS_USED_CLOUD_SERVICES",
    "QUERY_ACCELERATION_BYTES_SCANNED", "QUERY_HASH", "QUERY_PARAMETERIZED_HASH",
)


def _t(value: str) -> datetime:
    return datetime.strptime(value[:23], "%Y-%m-%d %H:%M:%S.%f")


def _exec_start(row: dict[str, str]) -> datetime:
    waits = sum(int(row[c]) for c in ("COMPILATION_TIME", "QUEUED_PROVISIONING_TIME", "QUEUED_REPAIR_TIME",
                                      "QUEUED_OVERLOAD_TIME", "TRANSACTION_BLOCKED_TIME"))
    return _t(row["START_TIME"]) + timedelta(milliseconds=waits)


def test_query_history_has_snowflakes_columns_and_shapes(query_history: Export) -> None:
    header, rows = query_history
    assert header == list(QUERY_HISTORY_COLUMNS)
    assert set(COST_COLUMNS) <= set(header)
    assert 25_000 <= len(rows) <= 60_000
    assert len({r["QUERY_ID"] for r in rows}) == len(rows)
    for r in rows:
        assert TIMESTAMP.match(r["START_TIME"]) and TIMESTAMP.match(r["END_TIME"]), r["QUERY_ID"]
        elapsed = (_t(r["END_TIME"]) - _t(r["START_TIME"])) / timedelta(milliseconds=1)
        assert elapsed == int(r["TOTAL_ELAPSED_TIME"])
        assert r["EXECUTION_STATUS"] in ("SUCCESS", "FAIL")
        assert (r["EXECUTION_STATUS"] == "FAIL") == bool(r["ERROR_CODE"])
        assert r["WAREHOUSE_SIZE"] in ("", "X-Small", "Small", "Medium", "Large")


def test_query_history_carries_dbt_comments_airflow_tags_and_looker_context(query_history: Export) -> None:
    _, rows = query_history
    comment = re.compile(r"\n/\* (\{.*\}) \*/;?$")
    looker = re.compile(r"\n-- Looker Query Context '(\{.*\})'$")
    seen = defaultdict(int)
    for r in rows:
        if r["USER_NAME"] == "DBT_PROD":
            match = comment.search(r["QUERY_TEXT"])
            assert match, r["QUERY_TEXT"][-200:]
            payload = json.loads(match.group(1))
            assert payload["app"] == "dbt" and ("node_id" in payload or "connection_name" in payload)
            seen["dbt"] += 1
        elif r["USER_NAME"] == "AIRFLOW_SVC":
            assert set(json.loads(r["QUERY_TAG"])) == {"dag_id", "task_id", "run_id"}
            seen["airflow"] += 1
        elif r["USER_NAME"] == "LOOKER_SVC":
            match = looker.search(r["QUERY_TEXT"])
            assert match
            assert set(json.loads(match.group(1))) == {"user_id", "history_slug", "instance_slug"}
            seen["looker"] += 1
        else:
            assert r["QUERY_TAG"] == ""
    assert min(seen.values()) > 1000
    odd = [r for r in rows if r["QUERY_TYPE"] in ("UNKNOWN", "PUT_FILES", "GET_FILES", "LIST_FILES", "SHOW",
                                                  "DESCRIBE", "USE", "CALL")]
    assert any("EXECUTE IMMEDIATE $$" in r["QUERY_TEXT"] for r in odd)
    assert len(odd) / len(rows) > 0.01
    assert sum(r["EXECUTION_STATUS"] == "FAIL" for r in rows) > 50
    scratch = [r for r in rows if r["QUERY_TYPE"] == "CREATE_TABLE_AS_SELECT" and "scratch." in r["QUERY_TEXT"]]
    assert {r["USER_NAME"] for r in scratch} == {"ALICE", "FARID"}


def test_metering_is_consistent_with_the_queries(query_history: Export, metering: Export) -> None:
    header, meter = metering
    assert header == list(METERING_COLUMNS)
    busy: dict[tuple[str, datetime], list[tuple[datetime, datetime, float]]] = defaultdict(list)
    for r in query_history[1]:
        if not r["WAREHOUSE_SIZE"] or int(r["EXECUTION_TIME"]) == 0:
            continue
        start, end = _exec_start(r), _t(r["END_TIME"])
        rate = CREDITS_PER_HOUR[r["WAREHOUSE_SIZE"]] / 3600
        hour = start.replace(minute=0, second=0, microsecond=0)
        while hour < end:
            nxt = hour + timedelta(hours=1)
            busy[(r["WAREHOUSE_NAME"], hour)].append((max(start, hour), min(end, nxt), rate))
            hour = nxt
    by_key = {(m["WAREHOUSE_NAME"], _t(m["START_TIME"])): m for m in meter}
    assert set(busy) <= set(by_key), "every warehouse-hour with execution has a metering row"
    for key, m in by_key.items():
        compute, cloud = float(m["CREDITS_USED_COMPUTE"]), float(m["CREDITS_USED_CLOUD_SERVICES"])
        attributed = float(m["CREDITS_ATTRIBUTED_COMPUTE_QUERIES"])
        assert abs(float(m["CREDITS_USED"]) - (compute + cloud)) < 2e-9
        assert attributed <= compute + 1e-9 <= CREDITS_PER_HOUR["Large"] + 1e-6, key
        # attributed = the busy (union of execution) time of the hour at the size's rate
        spans = sorted(busy.get(key, []))
        union, cursor = 0.0, None
        for s, e, rate in spans:
            s = max(s, cursor) if cursor else s
            if e > s:
                union += (e - s).total_seconds() * rate
                cursor = e
        assert abs(union - attributed) < 1e-3 * max(1.0, attributed), key


def test_query_attribution_sums_to_the_hours_attributed_credits(demo: DemoManifest, metering: Export) -> None:
    header, rows = read_export(demo.path("snowflake/query_attribution_history.csv.gz"))
    assert header == list(ATTRIBUTION_COLUMNS)
    total = sum(float(r["CREDITS_ATTRIBUTED_COMPUTE"]) for r in rows)
    attributed = sum(float(m["CREDITS_ATTRIBUTED_COMPUTE_QUERIES"]) for m in metering[1])
    assert 0.97 * attributed <= total <= attributed + 1e-6  # queries ≤ 100 ms are left out, as Snowflake does


def test_dbt_artifacts_validate_against_the_published_schemas(demo: DemoManifest) -> None:
    target = demo.folder / "dbt" / "target"
    manifest = json.loads((target / "manifest.json").read_text())
    parse_manifest(manifest)
    parse_run_results(json.loads((target / "run_results.json").read_text()))
    parse_catalog(json.loads((target / "catalog.json").read_text()))
    assert manifest["metadata"]["dbt_schema_version"].endswith("/manifest/v12.json")
    assert manifest["metadata"]["adapter_type"] == "snowflake"
    for key in ("nodes", "sources", "exposures", "groups", "parent_map", "child_map", "group_map"):
        assert manifest[key], key
    models = {k: v for k, v in manifest["nodes"].items() if v["resource_type"] == "model"}
    assert all(re.fullmatch(r"ANALYTICS\.(STAGING|MARTS)\.[A-Z_]+", m["relation_name"]) for m in models.values())
    kinds = {m["resource_type"] for m in manifest["nodes"].values()}
    assert kinds == {"model", "seed", "snapshot", "test"}
    with_owner = [m for m in models.values() if m["config"]["meta"].get("owner")]
    with_group = [m for m in models.values() if m["group"]]
    neither = [m for m in models.values() if not m["group"] and not m["config"]["meta"].get("owner")]
    assert len(with_owner) >= 3 and len(with_group) >= 5 and len(neither) >= 3
    for group in manifest["groups"].values():
        assert group["owner"]["name"] and group["owner"]["email"]
    live = manifest["exposures"]["exposure.larkspur.growth_acquisition_live"]
    assert live["owner"]["name"] == "growth" and live["type"] == "dashboard"
    for run in (demo.folder / "dbt" / "runs").iterdir():
        parse_run_results(json.loads((run / "run_results.json").read_text()))


def test_run_results_point_at_the_queries_that_ran(demo: DemoManifest, query_history: Export) -> None:
    by_id = {r["QUERY_ID"]: r for r in query_history[1]}
    checked = 0
    for run in (demo.folder / "dbt" / "runs").iterdir():
        for result in json.loads((run / "run_results.json").read_text())["results"]:
            query_id = result["adapter_response"].get("query_id")
            if not query_id:
                continue
            row = by_id[query_id]
            execute = result["timing"][1]
            started = datetime.strptime(execute["started_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
            completed = datetime.strptime(execute["completed_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
            assert started - timedelta(milliseconds=1) <= _t(row["START_TIME"])
            assert _t(row["END_TIME"]) <= completed + timedelta(milliseconds=1)
            assert result["unique_id"] in row["QUERY_TEXT"]
            checked += 1
    assert checked > 3000


def test_compiled_code_runs_against_the_warehouse(demo: DemoManifest) -> None:
    """Every model's SQL runs on the demo warehouse, except where the upstream rename broke it."""
    manifest = json.loads(demo.path("dbt/target/manifest.json").read_text())
    broken = {"model.larkspur.stg_orders"}
    con = duckdb.connect(str(demo.path("analytics.duckdb")), read_only=True)
    try:
        for uid, node in sorted(manifest["nodes"].items()):
            if node["resource_type"] not in ("model", "test") or "{{ this }}" in node["raw_code"] and \
                    node["config"]["materialized"] == "incremental":
                continue
            sql = node["compiled_code"]
            if uid in broken or any(p in broken for p in node["depends_on"]["nodes"]):
                with pytest.raises(duckdb.BinderException, match="discount_code"):
                    con.execute(f"select count(*) from ({sql}) as t")  # noqa: S608 - the manifest's own SQL
            else:
                con.execute(f"select count(*) from ({sql}) as t").fetchone()  # noqa: S608
    finally:
        con.close()


def test_airflow_export_matches_the_loading_queries(demo: DemoManifest, query_history: Export) -> None:
    dags = json.loads(demo.path("airflow/dags.json").read_text())
    runs = json.loads(demo.path("airflow/dag_runs.json").read_text())
    tis = json.loads(demo.path("airflow/task_instances.json").read_text())
    assert dags["total_entries"] == len(dags["dags"]) >= 3
    assert runs["total_entries"] == len(runs["dag_runs"]) and tis["total_entries"] == len(tis["task_instances"])
    for dag in dags["dags"]:
        assert dag["owners"] and dag["fileloc"].endswith(".py") and "is_stale" in dag
    windows = {(t["dag_id"], t["task_id"], t["dag_run_id"]): t for t in tis["task_instances"]}
    tagged = [r for r in query_history[1] if r["USER_NAME"] == "AIRFLOW_SVC"]
    for r in tagged:
        tag = json.loads(r["QUERY_TAG"])
        ti = windows[(tag["dag_id"], tag["task_id"], tag["run_id"])]
        start = datetime.strptime(ti["start_date"], "%Y-%m-%dT%H:%M:%S.%fZ")
        end = datetime.strptime(ti["end_date"], "%Y-%m-%dT%H:%M:%S.%fZ")
        assert start <= _t(r["START_TIME"]) and _t(r["END_TIME"]) <= end + timedelta(milliseconds=1)


def test_openlineage_events_follow_the_spec(demo: DemoManifest) -> None:
    from openlineage.client import event_v2
    from openlineage.client.generated import (
        column_lineage_dataset,
        job_type_job,
        output_statistics_output_dataset,
        ownership_dataset,
        ownership_job,
        parent_run,
        processing_engine_run,
        schema_dataset,
        sql_job,
    )

    expected = {
        "schema": schema_dataset.SchemaDatasetFacet, "columnLineage": column_lineage_dataset.ColumnLineageDatasetFacet,
        "outputStatistics": output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet,
        "jobType": job_type_job.JobTypeJobFacet, "sql": sql_job.SQLJobFacet, "parent": parent_run.ParentRunFacet,
        "processing_engine": processing_engine_run.ProcessingEngineRunFacet,
    }
    events = [json.loads(line) for line in demo.path("openlineage/events.jsonl").read_text().splitlines()]
    assert events
    starts, completes = set(), set()
    for e in events:
        assert e["schemaURL"] == event_v2.RunEvent._get_schema()
        assert e["eventType"] in ("START", "COMPLETE") and e["producer"].startswith("https://")
        assert e["job"]["namespace"] and e["job"]["name"] and e["run"]["runId"]
        (starts if e["eventType"] == "START" else completes).add(e["run"]["runId"])
        facets = [*e["run"]["facets"].items(), *e["job"]["facets"].items()]
        for d in [*e["inputs"], *e["outputs"]]:
            facets += [*d.get("facets", {}).items(), *d.get("outputFacets", {}).items()]
        for name, facet in facets:
            cls = expected.get(name)
            if name == "ownership":
                cls = ownership_job.OwnershipJobFacet if "Job" in facet["_schemaURL"] else \
                    ownership_dataset.OwnershipDatasetFacet
            assert cls is not None and facet["_schemaURL"] == cls._get_schema(), name
    assert starts == completes
    churn = [e for e in events if e["outputs"] and e["outputs"][0]["name"] == "ANALYTICS.MARTS.CUSTOMER_CHURN_SCORES"]
    assert any("columnLineage" in e["outputs"][0]["facets"] for e in churn)


def test_observer_yaml_is_a_valid_configuration(demo: DemoManifest) -> None:
    settings = load_config(demo.path("observer.yaml"), env={})
    assert {t.name for t in settings.teams} == {"growth", "finance", "data-platform", "product-analytics"}
    assert {t.slack_channel for t in settings.teams} == {"#growth-data", "#finance-data", "#data-platform",
                                                         "#product-analytics"}
    assert settings.pricing.snowflake_credit_usd == 3.0
    for source in settings.sources:
        for key, value in source.options.items():
            if key in ("platform", "warehouse_user"):
                continue
            for pattern in value if isinstance(value, list) else [value]:
                assert list(demo.folder.glob(pattern)), (source.type, key, pattern)
    duck = next(s for s in settings.sources if s.type == "duckdb")
    assert duck.options["platform"] == "snowflake"


def test_sources_validate_against_the_collectors_config_models(demo: DemoManifest) -> None:
    """The demo's source entries are accepted by the collectors' own config models."""
    from collectors.dbt.config import DbtConfig
    from collectors.openlineage.config import OpenLineageConfig
    from collectors.snowflake.config import SnowflakeConfig

    settings = load_config(demo.path("observer.yaml"), env={})
    models = {"snowflake": SnowflakeConfig, "dbt": DbtConfig, "openlineage": OpenLineageConfig}
    validated = {s.type for s in settings.sources if s.type in models and models[s.type].model_validate(s.options)}
    assert validated == set(models)
