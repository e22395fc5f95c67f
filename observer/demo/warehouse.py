"""Build ``analytics.duckdb``: Larkspur's warehouse with raw, staging, marts and real rows.

Rows are generated inside DuckDB (``range()`` joined to the load plan), with a deterministic hash
``rnd(key, salt)`` instead of ``random()`` so the data do not depend on thread scheduling. The dbt
models are then created by running their compiled SQL, so the warehouse is what the manifest says.
Finally the upstream rename (``discount_code`` → ``promo_code``) is applied to ``raw.shopify_orders``
and the orders loaded after it are inserted: the models stay as the last successful run left them.

DuckDB files are not byte-stable across runs (block allocation), but their contents are: the same
``(as_of, seed)`` gives the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from observer.demo.load_plan import BACKFILL_CUSTOMERS, Load
from observer.demo.project import CHANNEL_MAPPING, build_order
from observer.demo.timeline import Timeline

WAREHOUSE_FILE = "analytics.duckdb"
RAW_TABLES = (
    "shopify_customers", "shopify_orders", "shopify_order_items", "shopify_products", "stripe_payments",
    "web_events", "google_ads_spend", "meta_ads_spend", "erp_invoices", "zendesk_tickets",
)

_RND = """create or replace macro rnd(x, s) as (((xor((x * 1597334677 + s * 40503 + 7) % 2147483648,
    ((x * 1597334677 + s * 40503 + 7) % 2147483648) // 32768) * 1181783497) % 2147483647) / 2147483647.0)"""
_PICK = "create or replace macro pick(items, u) as items[1 + cast(floor(u * len(items)) as integer)]"
_UTM = "[['google','cpc'],['google','cpc'],['facebook','paid_social'],['instagram','paid_social'],['newsletter','email'],['google','organic'],['google','organic'],['partner','referral'],['bing','cpc']]"

_ORDERS = """
create temp table _orders as
select
    100000 + l.first + r.i as id,
    l.first + r.i as k,
    1 + cast(floor(rnd(l.first + r.i, 2) * l.aux) as bigint) as customer_id,
    l.load_at - interval 65 minute + to_seconds(cast(floor(rnd(l.first + r.i, 1) * 3590) as bigint)) as created_at,
    l.load_at as _loaded_at
from _loads as l join range(0, 5000) as r(i) on r.i < l.n
where l.tbl = 'shopify_orders' and l.load_at >= $raw_start
"""

_RAW = {
    "shopify_orders": f"""
create temp table _orders_all as
select
    id,
    customer_id,
    created_at,
    case when rnd(k, 3) < 0.02 then 'voided' when rnd(k, 3) < 0.05 then 'refunded'
         when rnd(k, 3) < 0.08 then 'pending' else 'paid' end as financial_status,
    'USD' as currency,
    cast(round(12 + pow(rnd(k, 4), 2) * 230, 2) as decimal(12, 2)) as subtotal_price,
    cast(case when rnd(k, 5) < 0.18 then round((12 + pow(rnd(k, 4), 2) * 230) * 0.1, 2) else 0 end
         as decimal(12, 2)) as total_discounts,
    cast(round(12 + pow(rnd(k, 4), 2) * 230, 2)
         - case when rnd(k, 5) < 0.18 then round((12 + pow(rnd(k, 4), 2) * 230) * 0.1, 2) else 0 end
         as decimal(12, 2)) as total_price,
    case when rnd(k, 5) < 0.18 then pick(['WELCOME10','SPRING15','FREESHIP','VIP20','BUNDLE5'], rnd(k, 6))
         end as discount_code,
    case when rnd(k, 7) < 0.62 then
        pick(['/products/garden-hose','/collections/planters','/products/linen-throw','/collections/sale','/'], rnd(k, 8))
        || '?utm_source=' || pick({_UTM}, rnd(k, 9))[1] || '&utm_medium=' || pick({_UTM}, rnd(k, 9))[2]
        else '/' end as landing_site,
    pick(['web','web','web','web','web','web','iphone','android','shopify_pos'], rnd(k, 10)) as source_name,
    _loaded_at,
    k
from _orders
order by id
""",
    "shopify_order_items": """
create table raw.shopify_order_items as
select
    5000000 + o.k * 4 + r.j as id,
    o.id as order_id,
    1 + cast(floor(pow(rnd(o.k * 4 + r.j, 21), 1.5) * 400) as bigint) as product_id,
    1 + cast(floor(pow(rnd(o.k * 4 + r.j, 22), 3) * 4) as integer) as quantity,
    cast(round(4 + rnd(o.k * 4 + r.j, 23) * 86, 2) as decimal(12, 2)) as price,
    o._loaded_at
from _orders as o join range(0, 3) as r(j) on r.j < 1 + cast(floor(rnd(o.k, 20) * 3) as integer)
order by id
""",
    "stripe_payments": """
create table raw.stripe_payments as
select
    'pi_' || substr(md5('pay-' || cast(o.k as varchar)), 1, 24) as id,
    o.id as order_id,
    cast(round(o.total_price * 100) as bigint) as amount_cents,
    'usd' as currency,
    case when o.financial_status = 'refunded' then 'refunded'
         when rnd(o.k, 24) < 0.02 then 'failed' else 'succeeded' end as status,
    pick(['card','card','card','card','paypal','apple_pay','klarna'], rnd(o.k, 25)) as payment_method,
    o.created_at + interval 17 second as created,
    date_trunc('hour', o.created_at) + interval 72 minute as _loaded_at
from _orders_all as o
where o.financial_status <> 'voided'
  and date_trunc('hour', o.created_at) + interval 72 minute <= $late_stop
order by created
""",
    "shopify_customers": """
create table raw.shopify_customers as
select
    1 + l.first + r.i as id,
    lower(pick(['ava','liam','mia','noah','zoe','omar','lena','yuki','ines','raj','sofia','tom'], rnd(l.first + r.i, 41)))
        || '.' || cast(1 + l.first + r.i as varchar) || '@' || pick(['mail.example','post.example','inbox.example'],
        rnd(l.first + r.i, 42)) as email,
    pick(['Ava','Liam','Mia','Noah','Zoe','Omar','Lena','Yuki','Ines','Raj','Sofia','Tom'], rnd(l.first + r.i, 41))
        as first_name,
    pick(['Smith','Garcia','Chen','Okafor','Novak','Silva','Kim','Brown','Dubois','Rossi'], rnd(l.first + r.i, 43))
        as last_name,
    pick(['us','us','us','us','ca','gb','de','au'], rnd(l.first + r.i, 44)) as country_code,
    case when l.first = 0 then l.load_at - to_seconds(cast(floor(rnd(r.i, 45) * 34560000) as bigint))
         else l.load_at - to_seconds(cast(floor(rnd(l.first + r.i, 45) * 3600) as bigint)) end as created_at,
    rnd(l.first + r.i, 46) < 0.6 as accepts_marketing,
    l.load_at as _loaded_at
from _loads as l join range(0, 100000) as r(i) on r.i < l.n
where l.tbl = 'shopify_customers'
order by id
""",
    "shopify_products": """
create table raw.shopify_products as
select
    1 + l.first + r.i as id,
    pick(['Linen','Terracotta','Oak','Copper','Woven','Glazed','Cedar','Wool'], rnd(l.first + r.i, 51)) || ' '
        || pick(['Planter','Throw','Lantern','Hose','Bench','Vase','Cushion','Trowel','Basket'], rnd(l.first + r.i, 52))
        as title,
    pick(['garden','living','kitchen','outdoor','decor'], rnd(l.first + r.i, 53)) as product_type,
    pick(['Fernwood','Hollis & Co','Maple Row','Sundial'], rnd(l.first + r.i, 54)) as vendor,
    cast(round(6 + rnd(l.first + r.i, 55) * 140, 2) as decimal(12, 2)) as price,
    l.load_at - interval 3 day as created_at,
    l.load_at - interval 2 hour as updated_at,
    l.load_at as _loaded_at
from _loads as l join range(0, 1000) as r(i) on r.i < l.n
where l.tbl = 'shopify_products'
order by id
""",
    "web_events": """
create table raw.web_events as
with sessions as (
    select
        l.first + r.i as s,
        cast(l.load_at as date) - interval 1 day
            + to_seconds(cast(floor(rnd(l.first + r.i, 30) * 86000) as bigint)) as session_start,
        1 + cast(floor(pow(rnd(l.first + r.i, 31), 1.3) * 8) as integer) as n_events,
        'a_' || substr(md5('visitor-' || cast(cast(floor(rnd(l.first + r.i, 32) * 9000) as bigint) as varchar)), 1, 16)
            as anonymous_id,
        case when rnd(l.first + r.i, 33) < 0.25 then 1 + cast(floor(rnd(l.first + r.i, 34) * 3000) as bigint) end
            as customer_id,
        pick(__UTM__, rnd(l.first + r.i, 35)) as utm,
        rnd(l.first + r.i, 36) < 0.55 as tagged,
        l.load_at
    from _loads as l join range(0, 20000) as r(i) on r.i < l.n
    where l.tbl = 'web_events' and l.load_at >= $raw_start
)
select
    md5('event-' || cast(s.s as varchar) || '-' || cast(e.j as varchar)) as event_id,
    s.anonymous_id,
    s.customer_id,
    case when e.j = s.n_events - 1 and s.n_events >= 6 then 'order_completed'
         when e.j = 0 then 'page_view' when e.j in (1, 2) then 'product_view'
         when e.j = 3 then 'add_to_cart' when e.j = 4 then 'checkout_started' else 'page_view' end as event_type,
    case when e.j = 0 then '/' when e.j in (1, 2) then '/products/item-' || cast(cast(floor(rnd(s.s * 8 + e.j, 37) * 400)
         as integer) as varchar) when e.j = 3 then '/cart' else '/checkout' end as page_path,
    case when s.tagged then s.utm[1] end as utm_source,
    case when s.tagged then s.utm[2] end as utm_medium,
    case when s.tagged then pick(['autumn_sale','brand_q4','retarget_7d','newsletter_wk'], rnd(s.s, 38)) end
        as utm_campaign,
    s.session_start + to_seconds(e.j * (40 + cast(floor(rnd(s.s * 8 + e.j, 39) * 180) as bigint))) as occurred_at,
    s.load_at as _loaded_at
from sessions as s join range(0, 8) as e(j) on e.j < s.n_events
order by occurred_at, event_id
""".replace("__UTM__", _UTM),
    "google_ads_spend": """
create table raw.google_ads_spend as
select
    cast(l.load_at as date) - interval 1 day as date,
    9100 + r.i as campaign_id,
    pick(['brand_search','generic_planters','generic_outdoor','shopping_all','retarget_search','competitor',
          'dsa_catalogue','pmax_home','pmax_garden','brand_exact','seasonal_q4','local_stores'], (r.i + 0.5) / 12)
        as campaign_name,
    cast(1500 + rnd(l.first + r.i, 61) * 9000 as bigint) as impressions,
    cast((1500 + rnd(l.first + r.i, 61) * 9000) * (0.01 + rnd(l.first + r.i, 62) * 0.05) as bigint) as clicks,
    cast((1500 + rnd(l.first + r.i, 61) * 9000) * (0.01 + rnd(l.first + r.i, 62) * 0.05)
         * (0.35 + rnd(l.first + r.i, 63) * 1.4) * 1000000 as bigint) as cost_micros,
    l.load_at as _loaded_at
from _loads as l join range(0, 12) as r(i) on r.i < l.n
where l.tbl = 'google_ads_spend' and l.load_at >= $raw_start
order by _loaded_at, campaign_id
""",
    "meta_ads_spend": """
create table raw.meta_ads_spend as
select
    cast(cast(l.load_at as date) - interval 1 day as date) as date_start,
    23850000 + r.i as campaign_id,
    pick(['prospecting_broad','lookalike_1pct','retarget_cart','retarget_view','catalog_sales','video_brand',
          'ugc_creatives','holiday_gift','newsletter_lookalike','story_ads'], (r.i + 0.5) / 10) as campaign_name,
    cast(4000 + rnd(l.first + r.i, 71) * 20000 as bigint) as impressions,
    cast((4000 + rnd(l.first + r.i, 71) * 20000) * (0.004 + rnd(l.first + r.i, 72) * 0.02) as bigint) as clicks,
    cast(round((4000 + rnd(l.first + r.i, 71) * 20000) * (0.004 + rnd(l.first + r.i, 72) * 0.02)
         * (0.3 + rnd(l.first + r.i, 73)), 2) as decimal(12, 2)) as spend,
    l.load_at as _loaded_at
from _loads as l join range(0, 10) as r(i) on r.i < l.n
where l.tbl = 'meta_ads_spend' and l.load_at >= $raw_start
order by _loaded_at, campaign_id
""",
    "erp_invoices": """
create table raw.erp_invoices as
with placed as (
    select *, cast(created_at as date) + interval 1 day as d1 from _orders_all where financial_status <> 'voided'
), invoiced as (
    select *, cast(case dayofweek(d1) when 6 then d1 + interval 2 day when 0 then d1 + interval 1 day else d1 end
                   as date) as invoice_date
    from placed
)
select
    'INV-' || lpad(cast(k as varchar), 7, '0') as invoice_id,
    id as order_id,
    invoice_date,
    cast(case when rnd(k, 81) < 0.015 then round(total_price * 1.1, 2) else total_price end as decimal(12, 2)) as amount,
    cast(round(total_price * 0.08, 2) as decimal(12, 2)) as tax_amount,
    'USD' as currency,
    case when rnd(k, 82) < 0.02 then 'void' else 'posted' end as status,
    cast(invoice_date as timestamp) + interval 18 hour as _loaded_at
from invoiced
where cast(invoice_date as timestamp) + interval 18 hour <= $as_of
  and cast(invoice_date as timestamp) + interval 18 hour >= $raw_start
order by invoice_id
""",
    "zendesk_tickets": """
create table raw.zendesk_tickets as
select
    1 + l.first + r.i as id,
    'customer.' || cast(1 + cast(floor(rnd(l.first + r.i, 91) * 3000) as bigint) as varchar) || '@mail.example'
        as requester_email,
    pick(['Where is my order?','Damaged item','Return request','Discount code not working','Change address',
          'Payment failed'], rnd(l.first + r.i, 92)) as subject,
    pick(['solved','solved','solved','open','pending'], rnd(l.first + r.i, 93)) as status,
    pick(['low','normal','normal','high'], rnd(l.first + r.i, 94)) as priority,
    l.load_at - to_seconds(cast(floor(rnd(l.first + r.i, 95) * 86400) as bigint)) as created_at,
    l.load_at as _loaded_at
from _loads as l join range(0, 100) as r(i) on r.i < l.n
where l.tbl = 'zendesk_tickets' and l.load_at >= $raw_start
order by id
""",
}


@dataclass(frozen=True)
class WarehouseBuild:
    path: Path
    row_counts: dict[str, int]  # "schema.table" -> rows (views excluded)
    load_counts: dict[tuple[str, datetime], int]  # (raw table, _loaded_at) -> rows


def _collapse_before(loads: list[Load], start: datetime) -> list[Load]:
    """Loads before the raw window become one backfill load at its start (dimension tables)."""
    before = [ld for ld in loads if ld.at < start]
    after = [ld for ld in loads if ld.at >= start]
    if not before:
        return after
    return [Load(before[0].table, start, sum(ld.rows for ld in before), before[0].first), *after]


def build_warehouse(folder: Path, timeline: Timeline, plan: dict[str, list[Load]]) -> WarehouseBuild:
    """Create ``folder/analytics.duckdb`` from the load plan and the dbt project."""
    path = folder / WAREHOUSE_FILE
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    raw_start = timeline.raw_start.replace(tzinfo=None)
    params = {
        "raw_start": raw_start,
        "as_of": timeline.as_of.replace(tzinfo=None),
        "late_stop": timeline.late_table_last_load.replace(tzinfo=None),
        "schema_change": timeline.schema_change_at.replace(tzinfo=None),
    }
    con = duckdb.connect(str(path))
    try:
        con.execute("set threads = 2")
        for schema in ("raw", "staging", "marts", "snapshots", "scratch"):
            con.execute(f"create schema {schema}")
        con.execute(_RND)
        con.execute(_PICK)
        _insert_loads(con, plan, raw_start)
        _build_raw(con, params)
        _build_models(con)
        _apply_schema_change(con, params)
        _build_extras(con)
        for temp in ("_orders_all", "_orders", "_loads"):
            con.execute(f"drop table {temp}")
        con.execute("drop macro pick")
        con.execute("drop macro rnd")
        con.execute("checkpoint")
        counts = _row_counts(con)
        loads = _load_counts(con)
    finally:
        con.close()
    return WarehouseBuild(path, counts, loads)


def _insert_loads(con: duckdb.DuckDBPyConnection, plan: dict[str, list[Load]], raw_start: datetime) -> None:
    con.execute("create temp table _loads (tbl varchar, load_at timestamp, n integer, first bigint, aux bigint)")
    customers = plan["shopify_customers"]
    cum, cum_at = 0, []
    for ld in customers:
        cum += ld.rows
        cum_at.append((ld.at, cum))
    rows: list[tuple[str, datetime, int, int, int]] = []
    for name, loads in plan.items():
        if name in ("shopify_customers", "shopify_products"):
            loads = _collapse_before(loads, raw_start)
        position = 0
        for ld in loads:
            aux = 0
            if name == "shopify_orders":  # customers that exist when the order is placed
                while position + 1 < len(cum_at) and cum_at[position + 1][0] < ld.at:
                    position += 1
                aux = max(BACKFILL_CUSTOMERS, cum_at[position][1])
            rows.append((name, ld.at, ld.rows, ld.first, aux))
    columns = list(zip(*rows, strict=True))
    con.execute(
        "insert into _loads select unnest($1), unnest($2), unnest($3), unnest($4), unnest($5)",
        [list(c) for c in columns],
    )


def _build_raw(con: duckdb.DuckDBPyConnection, params: dict[str, datetime]) -> None:
    con.execute(_ORDERS, {"raw_start": params["raw_start"]})
    con.execute(_RAW["shopify_orders"])
    con.execute(
        "create table raw.shopify_orders as select * exclude (k) from _orders_all "
        "where _loaded_at <= $schema_change order by id",
        {"schema_change": params["schema_change"]},
    )
    for name in RAW_TABLES:
        if name == "shopify_orders":
            continue
        sql = _RAW[name]
        used = {k: v for k, v in params.items() if f"${k}" in sql}
        con.execute(sql, used)


def _build_models(con: duckdb.DuckDBPyConnection) -> None:
    """Create every dbt node by running its compiled SQL (full-refresh form for incrementals)."""
    for model in build_order():
        target = f"{model.schema.lower()}.{model.name}"
        if model.resource_type == "seed":
            values = ", ".join(f"('{a}', '{b}', '{c}')" for a, b, c in CHANNEL_MAPPING)
            con.execute(f"create table {target} (utm_source varchar, utm_medium varchar, channel varchar)")
            con.execute(f"insert into {target} values {values}")
        elif model.resource_type == "snapshot":
            con.execute(
                f"create table {target} as select id, email, country_code, accepts_marketing, _loaded_at, "
                "md5(cast(id as varchar) || '|' || cast(_loaded_at as varchar)) as dbt_scd_id, "
                "_loaded_at as dbt_updated_at, _loaded_at as dbt_valid_from, "
                "cast(null as timestamp) as dbt_valid_to from raw.shopify_customers order by id"
            )
        else:
            kind = "view" if model.materialized == "view" else "table"
            con.execute(f"create {kind} {target} as {model.compiled(incremental=False)}")


def _apply_schema_change(con: duckdb.DuckDBPyConnection, params: dict[str, datetime]) -> None:
    """Shopify's connector renamed a column; orders loaded since then carry the new name."""
    con.execute("alter table raw.shopify_orders rename column discount_code to promo_code")
    con.execute(
        "insert into raw.shopify_orders select * exclude (k) from _orders_all "
        "where _loaded_at > $schema_change order by id",
        {"schema_change": params["schema_change"]},
    )


def _build_extras(con: duckdb.DuckDBPyConnection) -> None:
    """Tables outside dbt: the Spark job's churn scores and two analysts' scratch tables."""
    con.execute("""
        create table marts.customer_churn_scores as
        select
            customer_id,
            round(0.02 + rnd(customer_id, 101) * 0.9, 4) as churn_probability,
            case when rnd(customer_id, 101) > 0.66 then 'high' when rnd(customer_id, 101) > 0.33 then 'medium'
                 else 'low' end as risk_band,
            'churn-gbm-2.3.1' as model_version,
            date_trunc('day', coalesce(last_order_at, signed_up_at)) + interval 7 hour as scored_at
        from marts.dim_customers
        order by customer_id
    """)
    con.execute("""
        create table scratch.alice_promo_uplift as
        select discount_code, count(*) as orders, avg(total_price) as avg_order_value
        from marts.fct_orders group by discount_code order by discount_code nulls first
    """)
    con.execute("""
        create table scratch.farid_funnel_experiment as
        select session_date, sessions, with_order, conversion_rate
        from marts.pa_funnel_daily order by session_date
    """)


def _row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' and table_catalog = 'analytics' order by 1, 2"
    ).fetchall()
    return {f"{s}.{t}": int(con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0])  # type: ignore[index]
            for s, t in tables}


def _load_counts(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, datetime], int]:
    out: dict[tuple[str, datetime], int] = {}
    for name in RAW_TABLES:
        for at, n in con.execute(f"select _loaded_at, count(*) from raw.{name} group by 1 order by 1").fetchall():
            out[(name, at)] = int(n)
    return out
