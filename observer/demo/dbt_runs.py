"""Simulated dbt invocations: the nightly ``dbt build`` and the six-hourly ``dbt run -s tag:hourly``.

Each invocation schedules its nodes on four threads (dbt's default here), issues the statements
dbt-snowflake would issue — with dbt's default query comment appended, as on Snowflake — and
records per-node timings and ``adapter_response.query_id`` for ``run_results.json``. Two story
beats live here:

* from ``timeline.full_refresh_start`` ``fct_web_sessions`` is materialized as a table (a full
  rebuild every night) instead of an incremental merge — 20-odd minutes of MEDIUM warehouse a day;
* from ``timeline.schema_change_at`` ``stg_orders`` fails (``invalid identifier 'DISCOUNT_CODE'``)
  and everything downstream of it is skipped.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from observer.demo.company import DBT_PROJECT, DBT_VERSION, INCIDENTS
from observer.demo.data_tests import DataTest, tests_for
from observer.demo.project import CHANNEL_MAPPING, HOURLY_JOB, MODELS_BY_NAME, Model, build_order
from observer.demo.timeline import Timeline
from observer.demo.workload import QueryFactory, SimQuery, partitions, round_ms, table_bytes, with_volumes

THREADS = 4
NIGHTLY_AT = (2, 0)
HOURLY_AT = (8, 14, 20)
USER, ROLE, WAREHOUSE, SIZE = "DBT_PROD", "TRANSFORMER", "TRANSFORMING", "Medium"
PROFILE_SCHEMA = "STAGING"  # the dbt profile's schema: the session context of every dbt statement

# Seconds of execution on MEDIUM at the end of the history (tables grow ~0.3 %/day before that).
TABLE_SECONDS = {
    "dim_customers": 48, "dim_products": 9, "fct_order_items": 75, "fct_payments": 30, "fct_ad_performance": 12,
    "fct_marketing_attribution": 95, "fin_revenue_daily": 40, "fin_invoice_reconciliation": 36,
    "pa_funnel_daily": 28, "pa_customer_retention": 30, "fct_web_sessions": 2400,
}
MERGE_SECONDS = {"stg_web_events": 110, "fct_orders": 85, "fct_web_sessions": 190}


@dataclass
class NodeResult:
    unique_id: str
    status: str  # success | error | skipped | pass | warn | fail
    thread: int
    compile_start: datetime | None = None
    compile_end: datetime | None = None
    exec_start: datetime | None = None
    exec_end: datetime | None = None
    query_id: str | None = None
    rows_affected: int = 1
    message: str | None = None
    failures: int | None = None
    relation_name: str | None = None
    compiled_code: str | None = None


@dataclass
class Invocation:
    invocation_id: str
    command: str  # "build" or "run"
    selector: str | None
    started_at: datetime
    finished_at: datetime
    results: list[NodeResult] = field(default_factory=list)


def materialization(model: Model, when: datetime, timeline: Timeline) -> str:
    """The model's materialization in effect at ``when`` (the full-refresh switch is a config change)."""
    if model.unique_id == INCIDENTS.full_refresh_node and when >= timeline.full_refresh_start.replace(tzinfo=None):
        return "table"
    return model.materialized


def query_comment(node_id: str) -> str:
    payload = {"app": "dbt", "dbt_version": DBT_VERSION, "profile_name": DBT_PROJECT, "target_name": "prod",
               "node_id": node_id}
    return "/* " + json.dumps(payload) + " */"


def _with_comment(sql: str, node_id: str) -> str:
    """dbt-snowflake appends the comment, keeping a trailing semicolon after it."""
    sql = sql.rstrip()
    if sql.endswith(";"):
        return f"{sql[:-1]}\n{query_comment(node_id)};"
    return f"{sql}\n{query_comment(node_id)}"


class DbtSimulator:
    """Produces every dbt statement and invocation of the history, in time order."""

    def __init__(self, timeline: Timeline, seed: int, row_counts: dict[str, int],
                 test_failures: dict[str, int], columns: dict[str, list[str]]) -> None:
        self.timeline = timeline
        self.factory = QueryFactory(seed, "dbt")
        self.rng = self.factory.rng
        self.rows = row_counts
        self.test_failures = test_failures
        self.columns = columns
        self.queries: list[SimQuery] = []
        self.invocations: list[Invocation] = []

    # -- schedule -------------------------------------------------------------------------------

    def run(self) -> tuple[list[SimQuery], list[Invocation]]:
        as_of = self.timeline.as_of.replace(tzinfo=None)
        for index, day in enumerate(self.timeline.days):
            growth = 0.75 + 0.25 * index / max(1, len(self.timeline.days) - 1)
            starts = [(datetime(day.year, day.month, day.day, *NIGHTLY_AT), "build")]
            starts += [(datetime(day.year, day.month, day.day, h), "run") for h in HOURLY_AT]
            for at, command in starts:
                at = at + timedelta(seconds=self.rng.randint(3, 40))
                mark = len(self.queries)
                invocation = self._invoke(at, command, growth)
                if invocation.finished_at > as_of:
                    del self.queries[mark:]
                    continue
                self.invocations.append(invocation)
        return self.queries, self.invocations

    def _nodes(self, command: str) -> list[Model | DataTest]:
        if command == "run":
            return [MODELS_BY_NAME[name] for name in HOURLY_JOB]
        nodes: list[Model | DataTest] = []
        for model in build_order():
            nodes.append(model)
            nodes.extend(tests_for(model.name))
        return nodes

    def _invoke(self, at: datetime, command: str, growth: float) -> Invocation:
        inv_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        nodes = self._nodes(command)
        in_run = {n.unique_id for n in nodes}
        sessions = [self.factory.session_id() for _ in range(THREADS)]
        clock = at + timedelta(milliseconds=self.rng.randint(1800, 4200))  # parse + connect
        for schema in ("MARTS", "SNAPSHOTS", "STAGING"):  # list_relations on the master connection
            clock = self._emit(
                f"show objects in ANALYTICS.{schema} limit 10000", "SHOW", clock, sessions[0],
                comment_node=None, exec_ms=self.rng.randint(60, 240), connection=f"list_ANALYTICS_{schema}",
                shape=f"dbt:show:{schema}", compute=False,
            ).end + timedelta(milliseconds=self.rng.randint(20, 90))
        free = [clock] * THREADS
        done: dict[str, datetime] = {}
        failed: set[str] = set()
        results: list[NodeResult] = []
        for node in nodes:
            deps = self._deps(node, command)
            deps_in_run = [d for d in deps if d in in_run]
            thread = min(range(THREADS), key=lambda t: free[t])
            ready = max([free[thread], *[done[d] for d in deps_in_run]])
            if any(d in failed for d in deps_in_run):
                failed.add(node.unique_id)
                results.append(NodeResult(node.unique_id, "skipped", thread, message="SKIP"))
                done[node.unique_id] = ready
                continue
            result = self._execute(node, ready, thread, sessions[thread], growth)
            results.append(result)
            end = result.exec_end or ready
            done[node.unique_id] = end
            free[thread] = end + timedelta(milliseconds=self.rng.randint(5, 60))
            if result.status in ("error", "fail"):
                failed.add(node.unique_id)
        finished = max(done.values()) + timedelta(milliseconds=self.rng.randint(300, 900))
        selector = "tag:hourly" if command == "run" else None
        return Invocation(inv_id, command, selector, at, finished, results)

    def _deps(self, node: Model | DataTest, command: str) -> list[str]:
        if isinstance(node, DataTest):
            return node.depends_on
        deps = list(node.depends_on)
        if command == "build":  # dbt build: a parent's tests gate its children
            for parent in node.refs:
                deps += [t.unique_id for t in tests_for(parent) if t.severity == "ERROR"]
        return deps

    # -- statements -----------------------------------------------------------------------------

    def _emit(self, text: str, query_type: str, start: datetime, session: int, *, comment_node: str | None,
              exec_ms: int, shape: str, connection: str | None = None, compute: bool = True,
              **volumes: int) -> SimQuery:
        if comment_node is not None:
            text = _with_comment(text, comment_node)
        elif connection is not None:
            text += "\n/* " + json.dumps({"app": "dbt", "dbt_version": DBT_VERSION, "profile_name": DBT_PROJECT,
                                          "target_name": "prod", "connection_name": connection}) + " */"
        query = SimQuery(
            query_id=self.factory.query_id(start), text=text, query_type=query_type, user=USER, role=ROLE,
            warehouse=WAREHOUSE, warehouse_size=SIZE, start=round_ms(start),
            compile_ms=self.rng.randint(40, 380) if compute else self.rng.randint(5, 40),
            exec_ms=exec_ms, session_id=session, shape=shape, schema=PROFILE_SCHEMA, uses_compute=compute,
        )
        with_volumes(query, volumes)
        self.queries.append(query)
        return query

    def _execute(self, node: Model | DataTest, ready: datetime, thread: int, session: int,
                 growth: float) -> NodeResult:
        compile_start = ready
        compile_end = compile_start + timedelta(milliseconds=self.rng.randint(8, 60))
        clock = compile_end
        if isinstance(node, DataTest):
            return self._run_test(node, thread, session, compile_start, compile_end, growth)
        materialized = materialization(node, ready, self.timeline)
        relation = node.relation
        compiled = node.compiled(incremental=materialized == "incremental")
        rows = int(self.rows.get(f"{node.schema.lower()}.{node.name}", 1000) * growth)
        scanned = sum(table_bytes(int(self.rows.get(p, 5000) * growth)) for p in self._upstream_tables(node))
        last: SimQuery
        status, message = "success", "SUCCESS 1"
        if node.resource_type == "seed":
            self._emit(f"truncate table {relation}", "TRUNCATE_TABLE", clock, session, comment_node=node.unique_id,
                       exec_ms=self.rng.randint(80, 200), shape=f"dbt:{node.name}:truncate",
                       compute=False)
            values = ",\n".join(f"('{a}', '{b}', '{c}')" for a, b, c in CHANNEL_MAPPING)
            last = self._emit(f"insert into {relation} (utm_source, utm_medium, channel) values\n{values}", "INSERT",
                              clock + timedelta(milliseconds=300), session, comment_node=node.unique_id,
                              exec_ms=self.factory.jitter_ms(900), shape=f"dbt:{node.name}:insert",
                              rows_inserted=7, bytes_written=4096)
            message, rows = "INSERT 7", 7
        elif node.resource_type == "snapshot":
            tmp = relation + "__DBT_TMP"
            staged = self._emit(
                f"create or replace temporary table {tmp}\n         as\n        (\n{compiled}\n        );",
                "CREATE_TABLE_AS_SELECT", clock, session, comment_node=node.unique_id,
                exec_ms=self.factory.jitter_ms(9000 * growth), shape=f"dbt:{node.name}:staging",
                bytes_scanned=scanned, rows_inserted=rows, bytes_written=table_bytes(rows),
            )
            last = self._emit(_snapshot_merge(relation, tmp), "MERGE", staged.end + timedelta(milliseconds=40),
                              session, comment_node=node.unique_id, exec_ms=self.factory.jitter_ms(7000 * growth),
                              shape=f"dbt:{node.name}:merge", rows_inserted=self.rng.randint(20, 80),
                              rows_updated=self.rng.randint(0, 10), bytes_scanned=2 * table_bytes(rows))
            message = f"SUCCESS {last.rows_inserted + last.rows_updated}"
        elif materialized == "view":
            text = f"create or replace   view {relation}\n  \n   as (\n    {compiled}\n  );"
            error = self._view_error(node, ready, text)
            last = self._emit(text, "UNKNOWN" if error else "CREATE_VIEW", clock, session,
                              comment_node=node.unique_id, exec_ms=self.factory.jitter_ms(700), compute=False,
                              shape=f"dbt:{node.name}:view")
            if error:
                last.status, last.error_code, last.error_message = "FAIL", "000904", error
                last.query_type = "UNKNOWN"
                status = "error"
                message = (f"Database Error in model {node.name} ({node.original_file_path})\n  000904 (42000): "
                           f"{error}\n  compiled code at target/run/larkspur/{node.original_file_path}")
        elif materialized == "table":
            seconds = TABLE_SECONDS[node.name] * growth
            if node.name == "fct_web_sessions":
                scanned = table_bytes(int(self.rows.get("staging.stg_web_events", 60000) * growth), 400)
            last = self._emit(
                f"create or replace transient table {relation}\n         as\n        (\n{compiled}\n        );",
                "CREATE_TABLE_AS_SELECT", clock, session, comment_node=node.unique_id,
                exec_ms=self.factory.jitter_ms(seconds * 1000, 0.12), shape=f"dbt:{node.name}:table",
                bytes_scanned=scanned, rows_inserted=rows, bytes_written=table_bytes(rows),
                partitions_scanned=partitions(scanned), partitions_total=partitions(scanned),
            )
        else:  # incremental: temporary view, describe both, merge
            tmp = f"{relation}__DBT_TMP"
            first = self._emit(f"create or replace  temporary view {tmp}\n  \n   as (\n    {compiled}\n  );",
                               "CREATE_VIEW", clock, session, comment_node=node.unique_id, compute=False,
                               exec_ms=self.rng.randint(200, 600), shape=f"dbt:{node.name}:tmp_view")
            clock = first.end + timedelta(milliseconds=30)
            for target in (tmp, relation):
                clock = self._emit(f"describe table {target}", "DESCRIBE", clock, session, comment_node=node.unique_id,
                                   exec_ms=self.rng.randint(40, 150), compute=False,
                                   shape=f"dbt:{node.name}:describe").end + timedelta(milliseconds=25)
            new_rows = max(1, int(rows * self.rng.uniform(0.004, 0.012)))
            last = self._emit(
                _merge(relation, tmp, node, self.columns.get(f"{node.schema.lower()}.{node.name}", [])), "MERGE", clock, session, comment_node=node.unique_id,
                exec_ms=self.factory.jitter_ms(MERGE_SECONDS[node.name] * 1000 * growth, 0.15),
                shape=f"dbt:{node.name}:merge", rows_inserted=new_rows,
                rows_updated=self.rng.randint(0, new_rows // 10 + 1), bytes_scanned=scanned // 20 + table_bytes(rows) // 8,
                bytes_written=table_bytes(new_rows), partitions_scanned=partitions(scanned // 20),
                partitions_total=partitions(scanned),
            )
            message = f"SUCCESS {last.rows_inserted + last.rows_updated}"
        return NodeResult(node.unique_id, status, thread, compile_start, compile_end, compile_end, last.end,
                          query_id=last.query_id, rows_affected=last.rows_inserted + last.rows_updated or 1,
                          message=message, relation_name=relation,
                          compiled_code=compiled)

    def _run_test(self, test: DataTest, thread: int, session: int, compile_start: datetime,
                  compile_end: datetime, growth: float) -> NodeResult:
        sql = test.compiled()
        text = ("select\n      count(*) as failures,\n      count(*) != 0 as should_warn,\n"
                f"      count(*) != 0 as should_error\n    from (\n      {sql}\n    ) dbt_internal_test")
        scanned = table_bytes(int(self.rows.get(f"{MODELS_BY_NAME[test.model].schema.lower()}.{test.model}", 5000)
                                  * growth))
        query = self._emit(text, "SELECT", compile_end, session, comment_node=test.unique_id,
                           exec_ms=self.factory.jitter_ms(800 + scanned / 4e6), shape=f"dbt:{test.name}",
                           bytes_scanned=scanned, rows_produced=1,
                           partitions_scanned=partitions(scanned), partitions_total=partitions(scanned))
        failures = self.test_failures.get(test.unique_id, 0)
        if failures and test.severity == "WARN":
            failures = max(1, int(failures * growth * self.rng.uniform(0.9, 1.05)))
            status, message = "warn", f"Got {failures} results, configured to warn if != 0"
        elif failures:
            status, message = "fail", f"Got {failures} results, configured to fail if != 0"
        else:
            status, message = "pass", None
        return NodeResult(test.unique_id, status, thread, compile_start, compile_end, compile_end, query.end,
                          query_id=query.query_id, rows_affected=1, message=message, failures=failures,
                          compiled_code=sql)

    def _view_error(self, node: Model, at: datetime, text: str) -> str | None:
        if node.name != "stg_orders" or at < self.timeline.schema_change_at.replace(tzinfo=None):
            return None
        for number, line in enumerate(text.splitlines(), start=1):
            if "discount_code" in line:
                position = len(line) - len(line.lstrip())
                return f"SQL compilation error: error line {number} at position {position}\ninvalid identifier 'DISCOUNT_CODE'"
        return "SQL compilation error: invalid identifier 'DISCOUNT_CODE'"

    def _upstream_tables(self, node: Model) -> list[str]:
        out = []
        for ref in node.refs:
            parent = MODELS_BY_NAME[ref]
            out.append(f"{parent.schema.lower()}.{parent.name}")
        out += [f"raw.{t}" for _, t in node.sources]
        return out


def _merge(relation: str, tmp: str, node: Model, columns: list[str]) -> str:
    """dbt-snowflake's merge for ``incremental_strategy='merge'``, columns quoted as it quotes them."""
    key = node.unique_key or "id"
    quoted = [f'"{c.upper()}"' for c in columns] or [f'"{key.upper()}"']
    updates = ",".join(f"DBT_INTERNAL_DEST.{c} = DBT_INTERNAL_SOURCE.{c}" for c in quoted)
    names = ", ".join(quoted)
    return (f"merge into {relation} as DBT_INTERNAL_DEST\n        using {tmp} as DBT_INTERNAL_SOURCE\n"
            f"        on (\n                DBT_INTERNAL_SOURCE.{key} = DBT_INTERNAL_DEST.{key}\n            )\n\n"
            f"    when matched then update set\n        {updates}\n\n"
            f"    when not matched then insert\n        ({names})\n    values\n        ({names})\n\n;")


def _snapshot_merge(relation: str, tmp: str) -> str:
    return (f"merge into {relation} as DBT_INTERNAL_DEST\n    using {tmp} as DBT_INTERNAL_SOURCE\n"
            "    on DBT_INTERNAL_SOURCE.dbt_scd_id = DBT_INTERNAL_DEST.dbt_scd_id\n"
            "    when matched\n     and DBT_INTERNAL_DEST.dbt_valid_to is null\n"
            "     and DBT_INTERNAL_SOURCE.dbt_change_type in ('update', 'delete')\n"
            "        then update\n        set dbt_valid_to = DBT_INTERNAL_SOURCE.dbt_valid_to\n"
            "    when not matched\n     and DBT_INTERNAL_SOURCE.dbt_change_type = 'insert'\n"
            "        then insert (id, email, country_code, accepts_marketing, _loaded_at, dbt_updated_at, "
            "dbt_valid_from, dbt_valid_to, dbt_scd_id)\n"
            "        values (DBT_INTERNAL_SOURCE.id, DBT_INTERNAL_SOURCE.email, DBT_INTERNAL_SOURCE.country_code, "
            "DBT_INTERNAL_SOURCE.accepts_marketing, DBT_INTERNAL_SOURCE._loaded_at, "
            "DBT_INTERNAL_SOURCE.dbt_updated_at, DBT_INTERNAL_SOURCE.dbt_valid_from, "
            "DBT_INTERNAL_SOURCE.dbt_valid_to, DBT_INTERNAL_SOURCE.dbt_scd_id)\n;")


__all__ = ["DbtSimulator", "Invocation", "NodeResult", "materialization", "query_comment"]
