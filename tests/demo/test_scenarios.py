"""The incidents hidden in the demo are really there, where docs/demo.md says they are."""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from datetime import datetime, timedelta

import duckdb

from observer.demo import INCIDENTS, DemoManifest
from tests.demo.conftest import AS_OF, read_export

Export = tuple[list[str], list[dict[str, str]]]


def _t(value: str) -> datetime:
    return datetime.strptime(value[:19], "%Y-%m-%d %H:%M:%S")


def _loads(demo: DemoManifest, table: str) -> list[tuple[datetime, int]]:
    con = duckdb.connect(str(demo.path("analytics.duckdb")), read_only=True)
    try:
        schema, name = table.split(".")[1:]
        return con.execute(
            f'select _loaded_at, count(*) from "{schema}"."{name}" group by 1 order by 1'  # noqa: S608
        ).fetchall()
    finally:
        con.close()


def test_last_full_month_costs_three_to_four_times_the_month_before(metering: Export) -> None:
    per_month: dict[str, float] = defaultdict(float)
    for m in metering[1]:
        per_month[m["START_TIME"][:7]] += float(m["CREDITS_USED"])
    assert sorted(per_month) == ["2025-09", "2025-10", "2025-11"]
    ratio = per_month["2025-10"] / per_month["2025-09"]
    assert 3.0 <= ratio <= 4.0, per_month


def test_the_spend_movers_are_the_live_dashboard_and_the_full_refresh(demo: DemoManifest,
                                                                      query_history: Export) -> None:
    _, attribution = read_export(demo.path("snowflake/query_attribution_history.csv.gz"))
    texts = {r["QUERY_ID"]: r for r in query_history[1]}
    by_shape: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for a in attribution:
        by_shape[a["QUERY_PARAMETERIZED_HASH"]][a["START_TIME"][:7]] += float(a["CREDITS_ATTRIBUTED_COMPUTE"])
    movers = sorted(by_shape, key=lambda h: by_shape[h]["2025-10"] - by_shape[h]["2025-09"], reverse=True)
    sample = {a["QUERY_PARAMETERIZED_HASH"]: texts[a["QUERY_ID"]] for a in attribution}
    top = sample[movers[0]]
    assert top["USER_NAME"] == "LOOKER_SVC" and top["WAREHOUSE_NAME"] == "REPORTING"
    assert '"MARTS"."GROWTH_ACQUISITION_LIVE"' in top["QUERY_TEXT"]
    assert by_shape[movers[0]]["2025-09"] == 0.0
    full_refresh = [h for h in movers[:5] if "create or replace transient table ANALYTICS.MARTS.FCT_WEB_SESSIONS"
                    in sample[h]["QUERY_TEXT"]]
    assert full_refresh, "the fct_web_sessions full rebuild is among the top movers"
    manifest = json.loads(demo.path("dbt/target/manifest.json").read_text())
    live_model = manifest["nodes"]["model.larkspur.growth_acquisition_live"]
    assert live_model["config"]["meta"]["owner"] == INCIDENTS.live_dashboard_team
    assert manifest["exposures"][INCIDENTS.live_dashboard_exposure]["owner"]["name"] == "growth"
    sessions = manifest["nodes"][INCIDENTS.full_refresh_node]
    assert sessions["config"]["meta"]["owner"] == INCIDENTS.full_refresh_team
    assert sessions["config"]["materialized"] == "table"


def test_reporting_was_resized_and_the_model_switched_when_the_story_says(demo: DemoManifest,
                                                                          query_history: Export) -> None:
    switch = demo.timeline.spend_incident_start.replace(tzinfo=None)
    refresh = demo.timeline.full_refresh_start.replace(tzinfo=None)
    sizes = defaultdict(set)
    for r in query_history[1]:
        if r["WAREHOUSE_NAME"] == "REPORTING" and r["WAREHOUSE_SIZE"]:
            sizes[_t(r["START_TIME"]) >= switch].add(r["WAREHOUSE_SIZE"])
    assert sizes == {False: {"Small"}, True: {"Large"}}
    resize = [r for r in query_history[1] if r["QUERY_TEXT"].startswith("ALTER WAREHOUSE REPORTING")]
    assert len(resize) == 1 and resize[0]["USER_NAME"] == "HUGO"
    merges = [_t(r["START_TIME"]) for r in query_history[1]
              if r["QUERY_TEXT"].startswith("merge into ANALYTICS.MARTS.FCT_WEB_SESSIONS ")]
    rebuilds = [_t(r["START_TIME"]) for r in query_history[1]
                if r["QUERY_TEXT"].startswith("create or replace transient table ANALYTICS.MARTS.FCT_WEB_SESSIONS")]
    assert merges and rebuilds and max(merges) < refresh <= min(rebuilds)


def test_the_late_table_stopped_loading_two_days_ago(demo: DemoManifest) -> None:
    assert INCIDENTS.late_table == "analytics.raw.stripe_payments"
    loads = [at for at, _ in _loads(demo, INCIDENTS.late_table)]
    as_of = AS_OF.replace(tzinfo=None)
    assert timedelta(hours=48) <= as_of - loads[-1] <= timedelta(hours=52)
    gaps = [(b - a).total_seconds() for a, b in zip(loads, loads[1:], strict=False)]
    assert statistics.median(gaps) == 3600
    fresh = [at for at, _ in _loads(demo, "analytics.raw.shopify_orders")]
    assert as_of - fresh[-1] < timedelta(hours=2)


def test_the_last_web_events_load_dropped_seventy_percent(demo: DemoManifest) -> None:
    assert INCIDENTS.volume_drop_table == "analytics.raw.web_events"
    loads = _loads(demo, INCIDENTS.volume_drop_table)
    *history, (last_at, last_rows) = loads
    same_weekday = [n for at, n in history if at.weekday() == last_at.weekday()][-4:]
    assert last_rows < 0.4 * statistics.median(same_weekday)
    assert last_rows > 0.15 * statistics.median(same_weekday)
    weekend = [n for at, n in history if at.weekday() in (6, 0)]  # loads of Saturday's and Sunday's events
    midweek = [n for at, n in history if at.weekday() in (2, 3, 4)]
    assert statistics.mean(weekend) > 1.15 * statistics.mean(midweek)


def test_the_weekend_off_table_loads_every_weekday_and_never_at_weekends(demo: DemoManifest) -> None:
    assert INCIDENTS.weekend_off_table == "analytics.raw.erp_invoices"
    days = {at.date() for at, _ in _loads(demo, INCIDENTS.weekend_off_table)}
    assert all(d.weekday() < 5 for d in days)
    start, end = min(days), max(days)
    weekdays = {start + timedelta(days=i) for i in range((end - start).days + 1)}
    assert {d for d in weekdays if d.weekday() < 5} == days


def test_the_schema_change_is_visible_and_breaks_downstream(demo: DemoManifest) -> None:
    snapshots = sorted((demo.folder / "schema_snapshots").glob("*.json"))
    before, after = (json.loads(p.read_text()) for p in snapshots)
    table = lambda snap: {(t["schema"], t["name"]): [c["name"] for c in t["columns"]] for t in snap["tables"]}  # noqa: E731
    old, new = table(before), table(after)
    changed = {k for k in old if old[k] != new[k]}
    assert changed == {("raw", "shopify_orders")}
    assert "discount_code" in old[("raw", "shopify_orders")] and "promo_code" in new[("raw", "shopify_orders")]
    catalog = json.loads(demo.path("dbt/target/catalog.json").read_text())
    assert "DISCOUNT_CODE" in catalog["sources"]["source.larkspur.shopify.shopify_orders"]["columns"]
    run = json.loads(demo.path("dbt/target/run_results.json").read_text())
    status = {r["unique_id"]: r for r in run["results"]}
    assert status["model.larkspur.stg_orders"]["status"] == "error"
    assert "invalid identifier 'DISCOUNT_CODE'" in status["model.larkspur.stg_orders"]["message"]
    for downstream in ("model.larkspur.fct_orders", "model.larkspur.fct_marketing_attribution"):
        assert status[downstream]["status"] == "skipped"
    manifest = json.loads(demo.path("dbt/target/manifest.json").read_text())
    for column in INCIDENTS.schema_change_impacted:
        *relation, name = column.split(".")
        node = next(n for n in manifest["nodes"].values()
                    if n["resource_type"] == "model" and n["relation_name"].lower() == ".".join(relation))
        assert name in node["compiled_code"], column


def test_one_table_is_described_only_by_openlineage(demo: DemoManifest) -> None:
    manifest = json.loads(demo.path("dbt/target/manifest.json").read_text())
    relations = {(n.get("relation_name") or "").lower() for n in manifest["nodes"].values()}
    assert INCIDENTS.unmodelled_table not in relations
    events = demo.path("openlineage/events.jsonl").read_text()
    assert "ANALYTICS.MARTS.CUSTOMER_CHURN_SCORES" in events
    assert demo.warehouse_rows["marts.customer_churn_scores"] > 0
