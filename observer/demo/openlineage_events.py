"""OpenLineage RunEvents (spec 2-0-2) as Larkspur's Airflow provider and Spark integration emit them.

* ``ml_churn_scoring.score_customers`` (Airflow) launches the Spark job
  ``churn_scoring.write_customer_churn_scores``, which reads ``ANALYTICS.MARTS.DIM_CUSTOMERS`` and a
  feature set on S3 and writes ``ANALYTICS.MARTS.CUSTOMER_CHURN_SCORES`` — a table no dbt model or
  query log describes. Its events carry schema, column lineage, ownership and output statistics.
* ``load_web_events.copy_web_events`` reports the rows each daily load brought (outputStatistics),
  so the volume drop is visible from the orchestrator side too.

One event per line (``events.jsonl``), START then COMPLETE per run, in time order.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

from observer.demo.company import ACCOUNT
from observer.demo.loaders import DagRun

SPEC = "https://openlineage.io/spec"
EVENT_SCHEMA = f"{SPEC}/2-0-2/OpenLineage.json#/$defs/RunEvent"
FACET_SCHEMAS = {
    "schema": f"{SPEC}/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
    "columnLineage": f"{SPEC}/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet",
    "ownership": f"{SPEC}/facets/1-0-1/OwnershipDatasetFacet.json#/$defs/OwnershipDatasetFacet",
    "outputStatistics": f"{SPEC}/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet",
    "job_ownership": f"{SPEC}/facets/1-0-1/OwnershipJobFacet.json#/$defs/OwnershipJobFacet",
    "jobType": f"{SPEC}/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet",
    "sql": f"{SPEC}/facets/1-1-0/SQLJobFacet.json#/$defs/SQLJobFacet",
    "parent": f"{SPEC}/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet",
    "processing_engine": f"{SPEC}/facets/1-1-1/ProcessingEngineRunFacet.json#/$defs/ProcessingEngineRunFacet",
}
SPARK_PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.33.0/integration/spark"
AIRFLOW_PRODUCER = "https://github.com/apache/airflow/tree/providers-openlineage/2.3.0"
SNOWFLAKE_NS = f"snowflake://{ACCOUNT}"
AIRFLOW_NS = "larkspur-airflow"
SPARK_NS = "larkspur-spark"
SPARK_JOB = "churn_scoring.write_customer_churn_scores"

CHURN_FIELDS = (("CUSTOMER_ID", "DECIMAL(38,0)"), ("CHURN_PROBABILITY", "DOUBLE"), ("RISK_BAND", "STRING"),
                ("MODEL_VERSION", "STRING"), ("SCORED_AT", "TIMESTAMP"))
DIM_FIELDS = (("CUSTOMER_ID", "DECIMAL(38,0)"), ("LAST_ORDER_AT", "TIMESTAMP"), ("LIFETIME_ORDERS", "DECIMAL(38,0)"),
              ("LIFETIME_REVENUE", "DECIMAL(38,2)"))
WEB_EVENT_FIELDS = (("EVENT_ID", "VARCHAR"), ("ANONYMOUS_ID", "VARCHAR"), ("CUSTOMER_ID", "NUMBER"),
                    ("EVENT_TYPE", "VARCHAR"), ("PAGE_PATH", "VARCHAR"), ("UTM_SOURCE", "VARCHAR"),
                    ("UTM_MEDIUM", "VARCHAR"), ("UTM_CAMPAIGN", "VARCHAR"), ("OCCURRED_AT", "TIMESTAMP_NTZ"),
                    ("_LOADED_AT", "TIMESTAMP_NTZ"))


def _run_id(*parts: str) -> str:
    return str(uuid.UUID(hashlib.md5("|".join(parts).encode()).hexdigest(), version=4))


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _facet(producer: str, kind: str, **body: Any) -> dict[str, Any]:
    return {"_producer": producer, "_schemaURL": FACET_SCHEMAS[kind], **body}


def _schema(producer: str, fields: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return _facet(producer, "schema", fields=[{"name": n, "type": t} for n, t in fields])


def _event(kind: str, at: datetime, producer: str, run_id: str, run_facets: dict[str, Any], job_ns: str,
           job_name: str, job_facets: dict[str, Any], inputs: list[dict[str, Any]],
           outputs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"eventType": kind, "eventTime": _time(at), "producer": producer, "schemaURL": EVENT_SCHEMA,
            "run": {"runId": run_id, "facets": run_facets},
            "job": {"namespace": job_ns, "name": job_name, "facets": job_facets},
            "inputs": inputs, "outputs": outputs}


def _airflow_job_facets(owner: str, sql: str | None = None) -> dict[str, Any]:
    facets = {
        "jobType": _facet(AIRFLOW_PRODUCER, "jobType", processingType="BATCH", integration="AIRFLOW", jobType="TASK"),
        "ownership": _facet(AIRFLOW_PRODUCER, "job_ownership", owners=[{"name": owner, "type": "team"}]),
    }
    if sql:
        facets["sql"] = _facet(AIRFLOW_PRODUCER, "sql", query=sql, dialect="snowflake")
    return facets


def _parent(producer: str, dag_run: DagRun, task_run_id: str | None = None, task: str | None = None) -> dict[str, Any]:
    run_id = task_run_id or _run_id(dag_run.dag_id, dag_run.run_id)
    name = f"{dag_run.dag_id}.{task}" if task else dag_run.dag_id
    return _facet(producer, "parent", run={"runId": run_id}, job={"namespace": AIRFLOW_NS, "name": name},
                  root={"run": {"runId": _run_id(dag_run.dag_id, dag_run.run_id)},
                        "job": {"namespace": AIRFLOW_NS, "name": dag_run.dag_id}})


def build_events(runs: list[DagRun], churn_rows: int, web_event_rows: dict[datetime, int]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for run in runs:
        if run.dag_id == "ml_churn_scoring":
            events += _churn_events(run, churn_rows)
        elif run.dag_id == "load_web_events":
            events += _web_event_load(run, web_event_rows)
    events.sort(key=lambda e: (e["eventTime"], e["job"]["name"], e["eventType"] != "START"))
    return events


def _churn_events(run: DagRun, churn_rows: int) -> list[dict[str, Any]]:
    task = next(t for t in run.tasks if t.task_id == "score_customers")
    task_run = _run_id(run.dag_id, run.run_id, task.task_id)
    spark_run = _run_id(SPARK_JOB, run.run_id)
    out: list[dict[str, Any]] = []
    airflow_facets = {"parent": _parent(AIRFLOW_PRODUCER, run)}
    job = _airflow_job_facets("product-analytics")
    out.append(_event("START", task.start, AIRFLOW_PRODUCER, task_run, airflow_facets, AIRFLOW_NS,
                      f"{run.dag_id}.{task.task_id}", job, [], []))
    spark_start = task.start + timedelta(seconds=38)
    spark_end = task.end - timedelta(seconds=12)
    spark_facets = {
        "parent": _parent(SPARK_PRODUCER, run, task_run, task.task_id),
        "processing_engine": _facet(SPARK_PRODUCER, "processing_engine", version="3.5.1", name="spark",
                                    openlineageAdapterVersion="1.33.0"),
    }
    spark_job = {
        "jobType": _facet(SPARK_PRODUCER, "jobType", processingType="BATCH", integration="SPARK", jobType="JOB"),
        "ownership": _facet(SPARK_PRODUCER, "job_ownership", owners=[{"name": "product-analytics", "type": "team"}]),
    }
    inputs = [
        {"namespace": SNOWFLAKE_NS, "name": "ANALYTICS.MARTS.DIM_CUSTOMERS",
         "facets": {"schema": _schema(SPARK_PRODUCER, DIM_FIELDS)}, "inputFacets": {}},
        {"namespace": "s3://larkspur-ml-features", "name": "features/customer_activity",
         "facets": {"schema": _schema(SPARK_PRODUCER, (("customer_id", "long"), ("sessions_30d", "long"),
                                                       ("orders_90d", "long")))}, "inputFacets": {}},
    ]

    def lineage(sources: list[tuple[str, str, str]], how: str) -> dict[str, Any]:
        return {"inputFields": [{"namespace": ns, "name": name, "field": col,
                                 "transformations": [{"type": "DIRECT", "subtype": how, "description": "",
                                                      "masking": False}]} for ns, name, col in sources]}

    dim = (SNOWFLAKE_NS, "ANALYTICS.MARTS.DIM_CUSTOMERS")
    features = ("s3://larkspur-ml-features", "features/customer_activity")
    column_lineage = {
        "CUSTOMER_ID": lineage([(*dim, "CUSTOMER_ID")], "IDENTITY"),
        "CHURN_PROBABILITY": lineage([(*dim, "LAST_ORDER_AT"), (*dim, "LIFETIME_ORDERS"),
                                                           (*dim, "LIFETIME_REVENUE"), (*features, "sessions_30d"),
                                                           (*features, "orders_90d")], "TRANSFORMATION"),
        "RISK_BAND": lineage([(*dim, "LIFETIME_ORDERS"), (*features, "sessions_30d")], "TRANSFORMATION"),
        "SCORED_AT": lineage([(*dim, "LAST_ORDER_AT")], "TRANSFORMATION"),
    }
    output: dict[str, Any] = {"namespace": SNOWFLAKE_NS, "name": "ANALYTICS.MARTS.CUSTOMER_CHURN_SCORES",
              "facets": {"schema": _schema(SPARK_PRODUCER, CHURN_FIELDS),
                         "columnLineage": _facet(SPARK_PRODUCER, "columnLineage", fields=column_lineage, dataset=[]),
                         "ownership": _facet(SPARK_PRODUCER, "ownership",
                                             owners=[{"name": "team:product-analytics", "type": "team"}])},
              "outputFacets": {}}
    out.append(_event("START", spark_start, SPARK_PRODUCER, spark_run, spark_facets, SPARK_NS, SPARK_JOB, spark_job,
                      inputs, [dict(output, facets={"schema": output["facets"]["schema"]})]))
    done = dict(output, outputFacets={"outputStatistics": _facet(
        SPARK_PRODUCER, "outputStatistics", rowCount=churn_rows, size=churn_rows * 61)})
    out.append(_event("COMPLETE", spark_end, SPARK_PRODUCER, spark_run, spark_facets, SPARK_NS, SPARK_JOB, spark_job,
                      inputs, [done]))
    out.append(_event("COMPLETE", task.end, AIRFLOW_PRODUCER, task_run, airflow_facets, AIRFLOW_NS,
                      f"{run.dag_id}.{task.task_id}", job, [], []))
    return out


def _web_event_load(run: DagRun, rows_by_load: dict[datetime, int]) -> list[dict[str, Any]]:
    task = next(t for t in run.tasks if t.task_id == "copy_web_events")
    task_run = _run_id(run.dag_id, run.run_id, task.task_id)
    sql = (f"COPY INTO ANALYTICS.RAW.WEB_EVENTS FROM @ANALYTICS.RAW.EVENTS_STAGE/events/"
           f"{run.interval_start:%Y/%m/%d/%H}/ FILE_FORMAT = (TYPE = JSON)")
    job = _airflow_job_facets("data-platform", sql)
    facets = {"parent": _parent(AIRFLOW_PRODUCER, run)}
    dataset = {"namespace": SNOWFLAKE_NS, "name": "ANALYTICS.RAW.WEB_EVENTS",
               "facets": {"schema": _schema(AIRFLOW_PRODUCER, WEB_EVENT_FIELDS)}, "outputFacets": {}}
    rows = rows_by_load.get(run.interval_end, 0)
    stats = _facet(AIRFLOW_PRODUCER, "outputStatistics", rowCount=rows, size=rows * 412)
    name = f"{run.dag_id}.{task.task_id}"
    return [
        _event("START", task.start, AIRFLOW_PRODUCER, task_run, facets, AIRFLOW_NS, name, job, [], [dataset]),
        _event("COMPLETE", task.end, AIRFLOW_PRODUCER, task_run, facets, AIRFLOW_NS, name, job, [],
               [dict(dataset, outputFacets={"outputStatistics": stats})]),
    ]
