"""Real OpenLineage events built with openlineage-python's own classes (the producer side)."""

from __future__ import annotations

from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    documentation_dataset,
    output_statistics_output_dataset,
    ownership_dataset,
    ownership_job,
    parent_run,
    schema_dataset,
    sql_job,
)

PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/integration/airflow"
NS = "postgres://warehouse:5432"
RUN_ID = "0196a1e2-3f40-7c55-9d1e-4a5b6c7d8e9f"
DAG_RUN_ID = "0196a1e2-0000-7000-8000-000000000001"


def churn_events(start: str = "2026-03-01T02:00:00+00:00", end: str = "2026-03-01T02:04:30+00:00") -> list[RunEvent]:
    """START and COMPLETE of an Airflow-style task that writes analytics.marts.customer_churn_scores."""
    inputs = [
        InputDataset(NS, "analytics.marts.fct_orders", facets={
            "schema": schema_dataset.SchemaDatasetFacet(fields=[
                schema_dataset.SchemaDatasetFacetFields(name="customer_id", type="integer"),
                schema_dataset.SchemaDatasetFacetFields(name="amount", type="numeric"),
            ]),
        }),
        InputDataset(NS, "analytics.marts.dim_customers"),
    ]
    output = OutputDataset(
        NS,
        "analytics.marts.customer_churn_scores",
        facets={
            "schema": schema_dataset.SchemaDatasetFacet(fields=[
                schema_dataset.SchemaDatasetFacetFields(name="customer_id", type="integer"),
                schema_dataset.SchemaDatasetFacetFields(name="churn_score", type="double precision",
                                                        description="0..1, higher = likelier to leave"),
            ]),
            "documentation": documentation_dataset.DocumentationDatasetFacet(description="Weekly churn scores."),
            "columnLineage": column_lineage_dataset.ColumnLineageDatasetFacet(fields={
                "customer_id": column_lineage_dataset.Fields(inputFields=[
                    column_lineage_dataset.InputField(NS, "analytics.marts.fct_orders", "customer_id")]),
                "churn_score": column_lineage_dataset.Fields(inputFields=[
                    column_lineage_dataset.InputField(NS, "analytics.marts.fct_orders", "amount"),
                    column_lineage_dataset.InputField(NS, "analytics.marts.dim_customers", "order_count")]),
            }),
            "ownership": ownership_dataset.OwnershipDatasetFacet(owners=[
                ownership_dataset.Owner(name="team:product_analytics", type="MAINTAINER")]),
        },
        outputFacets={"outputStatistics": output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(rowCount=1234)},
    )
    job = Job(namespace="airflow-prod", name="churn_model.score_customers", facets={
        "sql": sql_job.SQLJobFacet(query="INSERT INTO analytics.marts.customer_churn_scores SELECT …"),
        "ownership": ownership_job.OwnershipJobFacet(owners=[ownership_job.Owner(name="farid@larkspur.example")]),
    })
    run = Run(runId=RUN_ID, facets={"parent": parent_run.ParentRunFacet(
        run=parent_run.Run(runId=DAG_RUN_ID), job=parent_run.Job(namespace="airflow-prod", name="churn_model"))})
    return [
        RunEvent(eventType=RunState.START, eventTime=start, producer=PRODUCER, run=run, job=job, inputs=inputs, outputs=[output]),
        RunEvent(eventType=RunState.COMPLETE, eventTime=end, producer=PRODUCER, run=run, job=job, inputs=inputs, outputs=[output]),
    ]
