"""A small Dagster code location served by the real-Dagster test (dagster-webserver).

Three assets in two groups, with owners (a team and a person), dependencies, the table each one
writes (``dagster/relation_identifier``) and row counts recorded on materialization.
"""

from __future__ import annotations

import dagster as dg


@dg.asset(
    group_name="ingest",
    owners=["team:data_platform"],
    tags={"layer": "raw"},
    kinds={"duckdb"},
    metadata={"dagster/relation_identifier": "warehouse.raw.orders"},
)
def raw_orders() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"dagster/row_count": 3})


@dg.asset(
    group_name="marts",
    owners=["team:finance", "carol@shop.example"],
    deps=[raw_orders],
    description="Revenue per day.",
    metadata={"dagster/relation_identifier": "warehouse.marts.daily_revenue"},
)
def daily_revenue() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"dagster/row_count": 2})


@dg.asset(group_name="marts", deps=[daily_revenue], owners=["dave@shop.example"])
def revenue_report() -> None:
    """A report with no table of its own (keyed by its Dagster asset key)."""


daily_job = dg.define_asset_job("daily_job", selection=dg.AssetSelection.all(), executor_def=dg.in_process_executor)

defs = dg.Definitions(assets=[raw_orders, daily_revenue, revenue_report], jobs=[daily_job])
