"""OpenLineage RunEvents → Observer values (observer.openlineage), without any server."""

from __future__ import annotations

import copy

import pytest

from observer.errors import InputError
from observer.model import AssetKey, RunStatus
from observer.openlineage import dataset_key, event_hash, merge_runs, parse_run_event

EVENT = {
    "eventType": "COMPLETE",
    "eventTime": "2026-03-01T02:04:30.5Z",
    "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/integration/spark",
    "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    "run": {"runId": "0196a1e2-3f40-7c55-9d1e-4a5b6c7d8e9f", "facets": {}},
    "job": {"namespace": "spark-prod", "name": "churn.score", "facets": {}},
    "inputs": [{"namespace": "snowflake://larkspur-prod", "name": "ANALYTICS.MARTS.FCT_ORDERS"},
               {"namespace": "s3://features", "name": "activity/daily"}],
    "outputs": [{"namespace": "snowflake://larkspur-prod", "name": "ANALYTICS.MARTS.CHURN",
                 "outputFacets": {"outputStatistics": {"rowCount": 10, "size": 2048}}}],
}


def test_dataset_keys_follow_the_warehouse_naming() -> None:
    assert dataset_key("snowflake://org-acct", "ANALYTICS.MARTS.ORDERS") == AssetKey("snowflake", "analytics.marts.orders")
    assert dataset_key("postgres://db:5432", "shop.public.Orders") == AssetKey("postgres", "shop.public.orders")
    assert dataset_key("bigquery", "proj.ds.tbl") == AssetKey("bigquery", "proj.ds.tbl")
    assert dataset_key("s3://features", "activity/daily") == AssetKey("s3", "features/activity/daily")
    assert dataset_key("file", "/data/x.csv") == AssetKey("file", "/data/x.csv")


def test_event_becomes_run_assets_and_lineage() -> None:
    p = parse_run_event(EVENT)
    assert p.run.status is RunStatus.SUCCESS and p.run.orchestrator == "spark"
    assert p.run.end_time is not None and p.run.start_time is None
    assert p.run.task == "churn.score" and p.run.rows_affected == 10
    assert p.run.asset == AssetKey("snowflake", "analytics.marts.churn")
    assert {(str(e.upstream), str(e.downstream)) for e in p.edges} == {
        ("snowflake://analytics.marts.fct_orders", "snowflake://analytics.marts.churn"),
        ("s3://features/activity/daily", "snowflake://analytics.marts.churn"),
    }


def test_hash_ignores_key_order() -> None:
    reordered = dict(reversed(list(EVENT.items())))
    assert event_hash(reordered) == event_hash(EVENT)
    changed = copy.deepcopy(EVENT)
    changed["eventTime"] = "2026-03-01T02:04:31Z"
    assert event_hash(changed) != event_hash(EVENT)


def test_runs_merge_in_any_order() -> None:
    start = copy.deepcopy(EVENT) | {"eventType": "START", "eventTime": "2026-03-01T02:00:00Z"}
    a, b = parse_run_event(start).run, parse_run_event(EVENT).run
    for merged in (merge_runs(a, b), merge_runs(b, a)):
        assert merged.status is RunStatus.SUCCESS
        assert merged.start_time.isoformat() == "2026-03-01T02:00:00+00:00"
        assert merged.end_time.isoformat() == "2026-03-01T02:04:30.500000+00:00"


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("schemaURL",), None, "schemaURL"),
        (("producer",), "", "producer"),
        (("eventTime",), "2026-03-01T02:00:00", "eventTime"),  # no offset
        (("run",), "x", "run"),
        (("job", "namespace"), None, "job.namespace"),
        (("inputs",), [{"namespace": "a"}], "inputs[0].name"),
    ],
)
def test_invalid_fields_are_named(path, value, field) -> None:
    event = copy.deepcopy(EVENT)
    target = event
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    with pytest.raises(InputError) as err:
        parse_run_event(event)
    assert err.value.field == field
