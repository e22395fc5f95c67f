"""Query comments and tags (fixtures/comments.jsonl), Snowflake query tags and BigQuery labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from observer.sql.comments import extract_comment_tags, parse_labels, parse_query_tag, query_tags

CASES = [json.loads(line) for line in (Path(__file__).with_name("fixtures") / "comments.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("case", CASES, ids=[c["title"] for c in CASES])
def test_comment(case: dict) -> None:  # type: ignore[type-arg]
    tags = extract_comment_tags(case["sql"])
    assert tags.tool == case["tool"]
    for key, value in case["expect"].items():
        assert tags.tags.get(key) == value
    if not case["expect"]:
        assert dict(tags.tags) == {}


def test_helpers_read_common_keys() -> None:
    t = extract_comment_tags('select 1 /* {"app": "dbt", "node_id": "model.p.m", "invocation_id": "inv"} */')
    assert (t.dbt_node_id, t.dbt_invocation_id) == ("model.p.m", "inv")
    d = extract_comment_tags("select 1\n-- snowflake_dagster_dbt_v1_opaque_id[[[abc]]]\n")
    assert d.dagster_opaque_id == "abc"
    a = extract_comment_tags("select 1 /* dag_id=d, task_id=t */")
    assert (a.airflow_dag_id, a.airflow_task_id) == ("d", "t")


def test_only_the_ends_of_a_huge_text_are_scanned() -> None:
    middle = "select 1 /* {\"app\": \"dbt\", \"node_id\": \"model.p.hidden\"} */ " + "x" * 50_000
    sql = "select 0 " + "y" * 20_000 + middle + " -- dag_id=seen"
    tags = extract_comment_tags(sql)
    assert tags.dbt_node_id is None
    assert tags.airflow_dag_id == "seen"


@pytest.mark.parametrize(
    ("tag", "tool", "expect"),
    [
        ('{"dbt_model": "orders", "team": "growth"}', "dbt", {"dbt_model": "orders", "team": "growth"}),
        ('{"dag_id": "etl", "task_id": "load"}', "airflow", {"dag_id": "etl", "task_id": "load"}),
        ("team=growth;job=nightly", None, {"team": "growth", "job": "nightly"}),
        ("adhoc-analysis", None, {"query_tag": "adhoc-analysis"}),
        ("", None, {}),
    ],
)
def test_snowflake_query_tag(tag: str, tool: str | None, expect: dict[str, str]) -> None:
    tags = parse_query_tag(tag)
    assert tags.tool == tool
    assert dict(tags.tags) == expect


def test_bigquery_labels_in_every_shape() -> None:
    as_list = parse_labels([{"key": "dbt_invocation_id", "value": "abc"}, {"key": "team", "value": "growth"}])
    assert as_list.tool == "dbt" and as_list.get("team") == "growth"
    assert parse_labels({"Team": "growth"}).get("team") == "growth"
    assert parse_labels('[{"key": "dag_id", "value": "etl"}]').airflow_dag_id == "etl"
    assert parse_labels("not json").tags == {}


def test_query_tags_merges_comment_first() -> None:
    tags = query_tags("select 1 -- team=from_comment", query_tag="team=from_tag;job=j", labels={"env": "prod"})
    assert tags.get("team") == "from_comment"
    assert tags.get("job") == "j" and tags.get("env") == "prod"
