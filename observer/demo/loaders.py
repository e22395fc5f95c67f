"""The loaders: Airflow DAGs and Fivetran connectors writing Larkspur's raw tables.

Airflow tasks run their statements with a JSON ``QUERY_TAG`` (``{"dag_id", "task_id", "run_id"}``)
on the LOADING warehouse, inside the task instance's time window, so a query can be joined to its
task both by tag and by (user, time). Each COPY's ``ROWS_INSERTED`` is the number of rows the
warehouse holds for that load. Fivetran syncs (Stripe hourly, products and Zendesk daily) use their
own quoted-identifier MERGE statements and carry no tag.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from observer.demo.load_plan import Load
from observer.demo.timeline import Timeline
from observer.demo.workload import QueryFactory, SimQuery, partitions, round_ms, table_bytes, with_volumes

AIRFLOW_USER, FIVETRAN_USER, ROLE, WAREHOUSE, SIZE = "AIRFLOW_SVC", "FIVETRAN_SVC", "LOADER", "LOADING", "Small"


@dataclass(frozen=True)
class DagSpec:
    dag_id: str
    owner: str
    schedule: str
    description: str
    tags: tuple[str, ...]
    fileloc: str
    tasks: tuple[tuple[str, str, str | None], ...]  # (task_id, operator, raw table it loads or None)


DAGS: tuple[DagSpec, ...] = (
    DagSpec("load_shopify", "data-platform", "0 * * * *", "Hourly Shopify export: customers, orders, order lines.",
            ("ingestion", "shopify"), "ingestion/load_shopify.py",
            (("extract_shopify", "PythonOperator", None), ("copy_customers", "SQLExecuteQueryOperator", "shopify_customers"),
             ("copy_orders", "SQLExecuteQueryOperator", "shopify_orders"),
             ("copy_order_items", "SQLExecuteQueryOperator", "shopify_order_items"))),
    DagSpec("load_web_events", "data-platform", "10 4 * * *", "Daily batch of site tracking events.",
            ("ingestion", "web"), "ingestion/load_web_events.py",
            (("copy_web_events", "SQLExecuteQueryOperator", "web_events"),
             ("dedupe_web_events", "SQLExecuteQueryOperator", None))),
    DagSpec("load_ad_platforms", "growth", "30 3 * * *", "Google Ads and Meta Ads spend, previous day.",
            ("ingestion", "marketing"), "marketing/load_ad_platforms.py",
            (("load_google_ads", "SQLExecuteQueryOperator", "google_ads_spend"),
             ("load_meta_ads", "SQLExecuteQueryOperator", "meta_ads_spend"))),
    DagSpec("finance_close", "finance", "0 18 * * 1-5", "Weekday ERP invoice export for the close.",
            ("finance",), "finance/finance_close.py",
            (("export_erp_invoices", "SQLExecuteQueryOperator", "erp_invoices"),
             ("notify_finance", "SlackAPIPostOperator", None))),
    DagSpec("ml_churn_scoring", "product-analytics", "0 7 * * *", "Nightly churn scores (Spark).",
            ("ml", "spark"), "ml/ml_churn_scoring.py",
            (("score_customers", "SparkSubmitOperator", None),)),
)

_STAGE_PATH = {"shopify_customers": "customers", "shopify_orders": "orders", "shopify_order_items": "order_items",
               "web_events": "events", "google_ads_spend": "google_ads", "meta_ads_spend": "meta_ads",
               "erp_invoices": "invoices"}
_STAGE = {"shopify": "SHOPIFY_STAGE", "web": "EVENTS_STAGE", "google": "ADS_STAGE", "meta": "ADS_STAGE",
          "erp": "ERP_STAGE"}


@dataclass
class TaskRun:
    task_id: str
    operator: str
    start: datetime
    end: datetime
    state: str = "success"
    try_number: int = 1


@dataclass
class DagRun:
    dag_id: str
    run_id: str
    logical_date: datetime
    interval_start: datetime
    interval_end: datetime
    queued_at: datetime
    start: datetime
    end: datetime
    state: str = "success"
    tasks: list[TaskRun] = field(default_factory=list)


def run_id_for(logical: datetime) -> str:
    return f"scheduled__{logical.isoformat()}+00:00"


class LoaderSimulator:
    def __init__(self, timeline: Timeline, seed: int, plan: dict[str, list[Load]],
                 actual: dict[tuple[str, datetime], int], columns: dict[str, list[str]]) -> None:
        self.timeline = timeline
        self.factory = QueryFactory(seed, "loaders")
        self.rng = self.factory.rng
        self.plan = plan
        self.actual = actual
        self.columns = columns
        self.queries: list[SimQuery] = []
        self.dag_runs: list[DagRun] = []
        self.sessions = {name: self.factory.session_id() for name in ("airflow", "fivetran")}

    def rows(self, load: Load) -> int:
        return self.actual.get((load.table, load.at), load.rows)

    def run(self) -> tuple[list[SimQuery], list[DagRun]]:
        as_of = self.timeline.as_of.replace(tzinfo=None)
        by_time = {name: {ld.at: ld for ld in loads} for name, loads in self.plan.items()}
        start = self.timeline.history_start.replace(tzinfo=None)
        hours = int((as_of - start).total_seconds() // 3600)
        for h in range(hours):
            logical = start + timedelta(hours=h)
            self._dag_run("load_shopify", logical, logical + timedelta(hours=1), by_time)
        for day in self.timeline.days:
            midnight = datetime(day.year, day.month, day.day)
            self._dag_run("load_web_events", midnight - timedelta(days=1) + timedelta(hours=4, minutes=10),
                          midnight + timedelta(hours=4, minutes=10), by_time)
            self._dag_run("load_ad_platforms", midnight - timedelta(days=1) + timedelta(hours=3, minutes=30),
                          midnight + timedelta(hours=3, minutes=30), by_time)
            if day.weekday() < 5:
                previous = midnight - timedelta(days=3 if day.weekday() == 0 else 1)
                self._dag_run("finance_close", previous + timedelta(hours=18), midnight + timedelta(hours=18), by_time)
            self._dag_run("ml_churn_scoring", midnight - timedelta(days=1) + timedelta(hours=7),
                          midnight + timedelta(hours=7), by_time)
        self._fivetran(by_time)
        self.dag_runs = [r for r in self.dag_runs if r.end <= as_of]
        kept = {r.run_id + r.dag_id for r in self.dag_runs}
        self.queries = [q for q in self.queries
                        if q.end <= as_of and (q.extra.get("dag_run") is None or q.extra["dag_run"] in kept)]
        return self.queries, self.dag_runs

    # -- Airflow ---------------------------------------------------------------------------------

    def _dag_run(self, dag_id: str, interval_start: datetime, interval_end: datetime,
                 by_time: dict[str, dict[datetime, Load]]) -> None:
        spec = next(d for d in DAGS if d.dag_id == dag_id)
        run_id = run_id_for(interval_start)
        queued = interval_end + timedelta(seconds=self.rng.uniform(0.5, 3))
        clock = queued + timedelta(seconds=self.rng.uniform(1, 4))
        run = DagRun(dag_id, run_id, interval_start, interval_start, interval_end, queued, clock, clock)
        for task_id, operator, table in spec.tasks:
            task_start = clock + timedelta(seconds=self.rng.uniform(0.8, 3.0))
            tag = json.dumps({"dag_id": dag_id, "task_id": task_id, "run_id": run_id})
            if table is None:
                seconds = {"extract_shopify": 250, "score_customers": 960}.get(task_id, 6)
                task_end = task_start + timedelta(seconds=self.rng.uniform(0.8, 1.1) * seconds)
                if task_id == "dedupe_web_events":
                    q = self._query(
                        "delete from ANALYTICS.RAW.WEB_EVENTS\nwhere _loaded_at = (select max(_loaded_at) from ANALYTICS.RAW.WEB_EVENTS)\n"
                        "  and event_id in (select event_id from ANALYTICS.RAW.WEB_EVENTS group by event_id having count(*) > 1)",
                        "DELETE", task_start + timedelta(seconds=1.2), AIRFLOW_USER, tag, "airflow:dedupe_web_events",
                        exec_ms=self.factory.jitter_ms(2600), schema="RAW", bytes_scanned=table_bytes(60000))
                    q.extra["dag_run"] = run_id + dag_id
                    task_end = q.end + timedelta(seconds=0.6)
            else:
                load = by_time.get(table, {}).get(_load_time(table, interval_end))
                rows = self.rows(load) if load else 0
                q = self._query(_copy_sql(table, interval_start), "COPY", task_start + timedelta(seconds=1.5),
                                AIRFLOW_USER, tag, f"airflow:copy:{table}",
                                exec_ms=self.factory.jitter_ms(1500 + rows * 6), schema="RAW",
                                rows_inserted=rows, rows_produced=rows, bytes_written=table_bytes(rows, 260))
                q.extra["dag_run"] = run_id + dag_id
                task_end = q.end + timedelta(seconds=self.rng.uniform(0.3, 0.9))
            run.tasks.append(TaskRun(task_id, operator, task_start, task_end))
            clock = task_end
        run.end = clock + timedelta(seconds=self.rng.uniform(0.5, 2))
        self.dag_runs.append(run)

    # -- Fivetran --------------------------------------------------------------------------------

    def _fivetran(self, by_time: dict[str, dict[datetime, Load]]) -> None:
        for table in ("stripe_payments", "shopify_products", "zendesk_tickets"):
            for at, load in sorted(by_time.get(table, {}).items()):
                rows = self.rows(load)
                staging = f'"ANALYTICS"."RAW"."{table.upper()}_STAGING_{self.rng.getrandbits(32):08x}"'
                start = at - timedelta(seconds=40 + rows * 0.02)
                create = self._query(f'CREATE TEMPORARY TABLE {staging} LIKE "ANALYTICS"."RAW"."{table.upper()}"',
                                     "CREATE_TABLE", start, FIVETRAN_USER, "", f"fivetran:create:{table}",
                                     exec_ms=self.rng.randint(150, 400), schema="RAW", compute=False)
                put = self._query(f"PUT file:///tmp/fivetran/{table}/batch_{self.rng.getrandbits(24):06x}.csv.gz "
                                  f"@~/fivetran/{table}/",
                                  "PUT_FILES", create.end, FIVETRAN_USER, "", f"fivetran:put:{table}",
                                  exec_ms=self.rng.randint(300, 900), schema="RAW", compute=False)
                self._query(_fivetran_merge(table, staging, self.columns.get(f"raw.{table}", ["id"])), "MERGE", put.end + timedelta(milliseconds=200),
                            FIVETRAN_USER, "", f"fivetran:merge:{table}", exec_ms=self.factory.jitter_ms(2500 + rows * 9),
                            schema="RAW", rows_inserted=rows, bytes_written=table_bytes(rows, 300),
                            bytes_scanned=table_bytes(rows * 4))

    def _query(self, text: str, query_type: str, start: datetime, user: str, tag: str, shape: str, *,
               exec_ms: int, schema: str, compute: bool = True, **volumes: int) -> SimQuery:
        query = SimQuery(
            query_id=self.factory.query_id(start), text=text, query_type=query_type, user=user, role=ROLE,
            warehouse=WAREHOUSE, warehouse_size=SIZE, start=round_ms(start), compile_ms=self.rng.randint(30, 260),
            exec_ms=exec_ms, session_id=self.sessions["airflow" if user == AIRFLOW_USER else "fivetran"],
            shape=shape, schema=schema, query_tag=tag, uses_compute=compute,
        )
        with_volumes(query, volumes)
        if "bytes_scanned" in volumes:
            query.partitions_scanned = query.partitions_total = partitions(volumes["bytes_scanned"])
        self.queries.append(query)
        return query


def _load_time(table: str, interval_end: datetime) -> datetime:
    """The ``_loaded_at`` stamped on rows by the run whose interval ends at ``interval_end``."""
    if table.startswith("shopify"):
        return interval_end + timedelta(minutes=5)
    return interval_end


def _copy_sql(table: str, interval_start: datetime) -> str:
    stage = _STAGE[table.split("_")[0]]
    path = f"{_STAGE_PATH[table]}/{interval_start:%Y/%m/%d/%H}/"
    return (f"COPY INTO ANALYTICS.RAW.{table.upper()}\nFROM @ANALYTICS.RAW.{stage}/{path}\n"
            "FILE_FORMAT = (TYPE = JSON)\nMATCH_BY_COLUMN_NAME = CASE_INSENSITIVE\n"
            "INCLUDE_METADATA = (_LOADED_AT = METADATA$START_SCAN_TIME)\nON_ERROR = ABORT_STATEMENT")


def _fivetran_merge(table: str, staging: str, columns: list[str]) -> str:
    target = f'"ANALYTICS"."RAW"."{table.upper()}"'
    quoted = [f'"{c.upper()}"' for c in columns]
    updates = ", ".join(f'{c} = "S".{c}' for c in quoted if c != '"ID"')
    return (f'MERGE INTO {target} AS "T" USING {staging} AS "S" ON "T"."ID" = "S"."ID" '
            f"WHEN MATCHED THEN UPDATE SET {updates} "
            f'WHEN NOT MATCHED THEN INSERT ({", ".join(quoted)}) VALUES ({", ".join(f"{chr(34)}S{chr(34)}.{c}" for c in quoted)})')
