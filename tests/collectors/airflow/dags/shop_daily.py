"""A small DAG run by the real-Airflow test: loads orders into PostgreSQL and builds a daily rollup.

The SQL operators make Airflow's OpenLineage provider emit events with real inputs and outputs,
which the test receives on Observer's /api/v1/lineage.
"""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.sdk import DAG

with DAG(
    dag_id="shop_daily",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    default_args={"owner": "finance"},
    tags=["shop", "daily"],
    description="Orders into the warehouse, then the daily rollup.",
):
    load = SQLExecuteQueryOperator(
        task_id="load_orders",
        conn_id="warehouse",
        sql=[
            "CREATE TABLE IF NOT EXISTS public.orders_raw (order_id int, amount numeric, ordered_on date)",
            "INSERT INTO public.orders_raw VALUES (1, 12.50, '2026-03-01'), (2, 30.00, '2026-03-01'), (3, 9.90, '2026-03-02')",
        ],
    )
    rollup = SQLExecuteQueryOperator(
        task_id="build_daily",
        conn_id="warehouse",
        owner="carol",
        sql=[
            "CREATE TABLE IF NOT EXISTS public.orders_daily (ordered_on date, orders int, revenue numeric)",
            "INSERT INTO public.orders_daily SELECT ordered_on, count(*) AS orders, sum(amount) AS revenue FROM public.orders_raw GROUP BY ordered_on",
        ],
    )
    load >> rollup
