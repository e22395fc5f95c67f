"""Query attribution: the precedence of ARCHITECTURE.md, each result with its rule and reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from observer.attribution.queries import AttributionContext, Hints, QueryFacts, attribute_query
from observer.attribution.run_match import RunIndex
from observer.model import AssetKey, OwnerKind, Ownership, OwnershipSource, RunRecord, RunStatus

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
ORDERS = AssetKey("snowflake", "analytics.marts.orders")
DAILY = AssetKey("snowflake", "analytics.marts.daily")
LIVE = AssetKey("snowflake", "analytics.marts.growth_live")


def claim(asset: AssetKey, owner: str, source: OwnershipSource = OwnershipSource.ORCHESTRATOR) -> Ownership:
    return Ownership(asset, owner, OwnerKind.TEAM, source, f"{source.value} says {owner}", "test", owner)


def context(runs: RunIndex | None = None) -> AttributionContext:
    return AttributionContext(
        assets_by_external_id={"model.shop.orders": ORDERS},
        claims={ORDERS: [claim(ORDERS, "finance"), claim(ORDERS, "growth", OwnershipSource.RULE)], LIVE: [claim(LIVE, "growth")]},
        people_teams={"ALICE": "growth", "CAROL": "finance"},
        teams=["growth", "finance"],
        runs=runs,
    )


def facts(user: str | None = "CAROL", **kw: object) -> QueryFacts:
    return QueryFacts("q1", user, T0, T0 + timedelta(minutes=5), **kw)  # type: ignore[arg-type]


def test_a_comment_naming_a_dbt_model_wins_over_the_write_target() -> None:
    a = attribute_query(facts("DBT_PROD", statement_type="INSERT", targets=(DAILY,), hints=Hints(dbt_node_id="model.shop.orders")), context()).attribution
    assert (a.rule, a.asset, a.owner, a.team) == ("comment", ORDERS, "finance", "finance")
    assert "model.shop.orders" in a.reason and "orchestrator says finance" in a.reason


def test_a_query_tag_is_said_to_be_a_tag() -> None:
    a = attribute_query(facts(hints=Hints(via="tag", dbt_node_id="model.shop.orders")), context()).attribution
    assert a.rule == "tag"


def test_an_unknown_node_falls_through_to_the_write_target() -> None:
    a = attribute_query(facts("ALICE", statement_type="MERGE", targets=(DAILY,), hints=Hints(dbt_node_id="model.shop.gone")), context()).attribution
    assert (a.rule, a.asset, a.owner, a.team) == ("write_target", DAILY, None, "growth")
    assert a.reason == f"MERGE writes {DAILY}, which has no owner yet; charged to ALICE's team growth"


def test_write_target_with_an_owner() -> None:
    a = attribute_query(facts("ALICE", statement_type="INSERT", targets=(ORDERS, DAILY)), context()).attribution
    assert (a.rule, a.asset, a.owner) == ("write_target", ORDERS, "finance")
    assert "(and 1 more)" in a.reason


def test_a_running_orchestrator_task_of_the_same_user_claims_an_untagged_query() -> None:
    run = RunRecord(
        "airflow", "dag1.load.1", "airflow", "dag1", RunStatus.SUCCESS, T0 - timedelta(minutes=1), T0 + timedelta(minutes=10),
        task="load", owner="finance", attributes={"warehouse_user": "LOADER"},
    )
    a = attribute_query(facts("LOADER", statement_type="SELECT"), context(RunIndex([run]))).attribution
    assert (a.rule, a.owner, a.team) == ("orchestrator_run", "finance", "finance")


def test_readers_are_charged_to_their_team_and_service_readers_to_the_table_owner() -> None:
    reader = attribute_query(facts("ALICE", statement_type="SELECT", sources=(ORDERS,)), context()).attribution
    assert (reader.rule, reader.asset, reader.owner, reader.team) == ("reader_team", ORDERS, None, "growth")
    bi = attribute_query(facts("LOOKER_SVC", statement_type="SELECT", sources=(LIVE,)), context()).attribution
    assert (bi.rule, bi.asset, bi.owner, bi.team) == ("read_asset", LIVE, "growth", "growth")


def test_unattributed_says_why() -> None:
    broken = attribute_query(facts("LOOKER_SVC", parse_error="Unexpected token"), context()).attribution
    assert broken.rule == "unattributed" and "could not be read (Unexpected token)" in broken.reason
    show = attribute_query(facts("SVC", statement_type="SHOW"), context()).attribution
    assert (show.rule, show.reason) == ("unattributed", "SHOW by SVC, who belongs to no team, touches no table")
    join = attribute_query(facts("SVC", statement_type="SELECT", sources=(ORDERS, LIVE)), context()).attribution
    assert join.rule == "unattributed" and "reading snowflake://analytics.marts.orders" in join.reason
