"""Larkspur's dbt project: sources, seeds, models, a snapshot, tests and exposures.

Each model is written once, as dbt source code (``raw_code`` with ``ref()``/``source()``); the
compiled SQL is derived from it by resolving those calls to ``ANALYTICS.<SCHEMA>.<NAME>``. The
compiled SQL is written so that both Snowflake and DuckDB accept it: the demo warehouse is built by
running exactly the ``compiled_code`` the manifest shows, so the artifacts and the data agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from observer.demo.company import DATABASE

_INCREMENTAL_BLOCK = re.compile(r"\{% if is_incremental\(\) %\}(.*?)\{% endif %\}", re.S)
_REF = re.compile(r"\{\{ ref\('([a-z_]+)'\) \}\}")
_SOURCE = re.compile(r"\{\{ source\('([a-z_]+)', '([a-z_]+)'\) \}\}")
_THIS = re.compile(r"\{\{ this \}\}")


@dataclass(frozen=True)
class SourceTable:
    source: str  # dbt source name
    name: str  # table name == identifier in raw
    loader: str
    description: str
    loaded_at_field: str = "_loaded_at"

    @property
    def unique_id(self) -> str:
        return f"source.larkspur.{self.source}.{self.name}"

    @property
    def relation(self) -> str:
        return f"{DATABASE}.RAW.{self.name.upper()}"


@dataclass(frozen=True)
class Model:
    name: str
    schema: str  # STAGING / MARTS / SNAPSHOTS (upper case, Snowflake spelling)
    materialized: str  # view | table | incremental | seed | snapshot
    description: str
    raw_code: str
    owner: str | None = None  # config.meta.owner
    group: str | None = None  # dbt group (its owner is a team)
    unique_key: str | None = None
    tags: tuple[str, ...] = ()
    columns: dict[str, str] = field(default_factory=dict)  # documented columns

    @property
    def resource_type(self) -> str:
        return self.materialized if self.materialized in ("seed", "snapshot") else "model"

    @property
    def unique_id(self) -> str:
        return f"{self.resource_type}.larkspur.{self.name}"

    @property
    def relation(self) -> str:
        return f"{DATABASE}.{self.schema}.{self.name.upper()}"

    @property
    def folder(self) -> str:
        return {"STAGING": "staging", "MARTS": "marts", "SNAPSHOTS": "snapshots"}[self.schema]

    @property
    def original_file_path(self) -> str:
        if self.resource_type == "seed":
            return f"seeds/{self.name}.csv"
        if self.resource_type == "snapshot":
            return f"snapshots/{self.name}.sql"
        return f"models/{self.folder}/{self.name}.sql"

    @property
    def refs(self) -> list[str]:
        return sorted(set(_REF.findall(self.raw_code)))

    @property
    def sources(self) -> list[tuple[str, str]]:
        return sorted(set(_SOURCE.findall(self.raw_code)))

    def compiled(self, *, incremental: bool) -> str:
        """The SQL dbt would compile; ``incremental`` renders the ``is_incremental()`` branch."""
        code = re.sub(r"\{\{ config\(.*?\) \}\}\n+", "", self.raw_code, flags=re.S)
        code = re.sub(r"\{% (end)?snapshot[^%]*%\}\n?", "", code)
        code = _INCREMENTAL_BLOCK.sub(lambda m: m.group(1) if incremental else "", code)
        code = _REF.sub(lambda m: MODELS_BY_NAME[m.group(1)].relation, code)
        code = _SOURCE.sub(lambda m: f"{DATABASE}.RAW.{m.group(2).upper()}", code)
        code = _THIS.sub(self.relation, code)
        return re.sub(r"\n\s*\n+", "\n", code).strip() + "\n"

    @property
    def depends_on(self) -> list[str]:
        nodes = [MODELS_BY_NAME[r].unique_id for r in self.refs]
        nodes += [f"source.larkspur.{s}.{t}" for s, t in self.sources]
        return sorted(nodes)


SOURCES: tuple[SourceTable, ...] = (
    SourceTable("shopify", "shopify_customers", "airflow", "Shopify customers, loaded hourly by load_shopify."),
    SourceTable("shopify", "shopify_orders", "airflow", "Shopify orders, loaded hourly by load_shopify."),
    SourceTable("shopify", "shopify_order_items", "airflow", "Order lines, loaded hourly by load_shopify."),
    SourceTable("shopify", "shopify_products", "fivetran", "Product catalogue, synced daily by Fivetran."),
    SourceTable("stripe", "stripe_payments", "fivetran", "Stripe payment intents, synced hourly by Fivetran."),
    SourceTable("web", "web_events", "airflow", "Site tracking events, batch-loaded daily at 04:10 UTC."),
    SourceTable("ads", "google_ads_spend", "airflow", "Google Ads campaign spend per day."),
    SourceTable("ads", "meta_ads_spend", "airflow", "Meta Ads campaign spend per day."),
    SourceTable("erp", "erp_invoices", "airflow", "ERP invoice export, weekdays only (finance close)."),
)

_C = {  # frequently documented columns
    "order_id": "Shopify order id.",
    "customer_id": "Shopify customer id.",
    "discount_code": "Discount code entered at checkout (null when none).",
}

MODELS: tuple[Model, ...] = (
    Model("channel_mapping", "STAGING", "seed", "Maps utm_source/utm_medium pairs to marketing channels.", "",
          group="growth", columns={"channel": "Marketing channel."}),
    Model("stg_customers", "STAGING", "view", "One row per customer, latest version.", """\
select
    id as customer_id,
    lower(email) as email,
    first_name,
    last_name,
    upper(country_code) as country_code,
    created_at as signed_up_at,
    accepts_marketing,
    _loaded_at
from {{ source('shopify', 'shopify_customers') }}
qualify row_number() over (partition by id order by _loaded_at desc) = 1
""", columns={"customer_id": _C["customer_id"], "email": "Lower-cased e-mail address."}),
    Model("stg_orders", "STAGING", "view", "Shopify orders, voided ones removed.", """\
select
    id as order_id,
    customer_id,
    created_at as ordered_at,
    cast(created_at as date) as order_date,
    financial_status,
    currency,
    subtotal_price,
    total_discounts,
    total_price,
    discount_code,
    landing_site,
    source_name,
    _loaded_at
from {{ source('shopify', 'shopify_orders') }}
where financial_status <> 'voided'
""", columns={"order_id": _C["order_id"], "discount_code": _C["discount_code"]}),
    Model("stg_order_items", "STAGING", "view", "Order lines with their amount.", """\
select
    id as order_item_id,
    order_id,
    product_id,
    quantity,
    price as unit_price,
    quantity * price as line_amount,
    _loaded_at
from {{ source('shopify', 'shopify_order_items') }}
""", columns={"order_item_id": "Order line id."}),
    Model("stg_products", "STAGING", "view", "Product catalogue.", """\
select
    id as product_id,
    title as product_name,
    product_type as category,
    vendor,
    price as list_price,
    updated_at,
    _loaded_at
from {{ source('shopify', 'shopify_products') }}
""", columns={"product_id": "Shopify product id."}),
    Model("stg_payments", "STAGING", "view", "Stripe payments in currency units.", """\
select
    id as payment_id,
    order_id,
    amount_cents / 100.0 as amount,
    currency,
    status,
    payment_method,
    created as paid_at,
    _loaded_at
from {{ source('stripe', 'stripe_payments') }}
""", group="finance", columns={"payment_id": "Stripe payment intent id.", "status": "succeeded, failed or refunded."}),
    Model("stg_web_events", "STAGING", "incremental", "Site events, cleaned; incremental on _loaded_at.", """\
{{ config(materialized='incremental', unique_key='event_id') }}

select
    event_id,
    anonymous_id,
    customer_id,
    event_type,
    page_path,
    lower(utm_source) as utm_source,
    lower(utm_medium) as utm_medium,
    utm_campaign,
    occurred_at,
    _loaded_at
from {{ source('web', 'web_events') }}
{% if is_incremental() %}
where _loaded_at > (select max(_loaded_at) from {{ this }})
{% endif %}
""", owner="data-platform", unique_key="event_id", columns={"event_id": "Tracking event id."}),
    Model("stg_ad_spend", "STAGING", "view", "Daily spend per campaign across ad platforms.", """\
select
    date as spend_date,
    'google_ads' as platform,
    cast(campaign_id as varchar) as campaign_id,
    campaign_name,
    impressions,
    clicks,
    cost_micros / 1000000.0 as spend,
    _loaded_at
from {{ source('ads', 'google_ads_spend') }}
union all
select
    date_start as spend_date,
    'meta_ads' as platform,
    cast(campaign_id as varchar) as campaign_id,
    campaign_name,
    impressions,
    clicks,
    spend,
    _loaded_at
from {{ source('ads', 'meta_ads_spend') }}
""", group="growth", columns={"spend": "Spend in USD."}),
    Model("stg_invoices", "STAGING", "view", "ERP invoices with net amounts.", """\
select
    invoice_id,
    order_id,
    invoice_date,
    amount,
    tax_amount,
    amount - tax_amount as net_amount,
    currency,
    status,
    _loaded_at
from {{ source('erp', 'erp_invoices') }}
""", group="finance", columns={"invoice_id": "ERP invoice number."}),
    Model("dim_customers", "MARTS", "table", "Customers with their order history summary.", """\
with orders as (
    select
        customer_id,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        count(*) as lifetime_orders,
        sum(total_price) as lifetime_revenue
    from {{ ref('stg_orders') }}
    group by customer_id
)
select
    c.customer_id,
    c.email,
    c.country_code,
    c.signed_up_at,
    c.accepts_marketing,
    o.first_order_at,
    o.last_order_at,
    coalesce(o.lifetime_orders, 0) as lifetime_orders,
    coalesce(o.lifetime_revenue, 0) as lifetime_revenue
from {{ ref('stg_customers') }} as c
left join orders as o on o.customer_id = c.customer_id
""", owner="data-platform", columns={"customer_id": _C["customer_id"], "lifetime_revenue": "Sum of order totals."}),
    Model("dim_products", "MARTS", "table", "Products and their category.", """\
select
    product_id,
    product_name,
    category,
    vendor,
    list_price,
    updated_at
from {{ ref('stg_products') }}
""", columns={"product_id": "Shopify product id."}),
    Model("fct_orders", "MARTS", "incremental", "One row per order with items, payments and promo flag.", """\
{{ config(materialized='incremental', unique_key='order_id') }}

with items as (
    select order_id, count(*) as item_count, sum(quantity) as units
    from {{ ref('stg_order_items') }}
    group by order_id
),
payments as (
    select order_id, sum(case when status = 'succeeded' then amount else 0 end) as amount_paid
    from {{ ref('stg_payments') }}
    group by order_id
)
select
    o.order_id,
    o.customer_id,
    o.ordered_at,
    o.order_date,
    o.financial_status,
    o.subtotal_price,
    o.total_discounts,
    o.total_price,
    o.discount_code,
    case when o.discount_code is not null then true else false end as is_promo_order,
    o.landing_site,
    coalesce(i.item_count, 0) as item_count,
    coalesce(i.units, 0) as units,
    coalesce(p.amount_paid, 0) as amount_paid,
    o._loaded_at
from {{ ref('stg_orders') }} as o
left join items as i on i.order_id = o.order_id
left join payments as p on p.order_id = o.order_id
{% if is_incremental() %}
where o._loaded_at > (select max(_loaded_at) from {{ this }})
{% endif %}
""", owner="data-platform", unique_key="order_id", tags=("hourly",),
          columns={"order_id": _C["order_id"], "discount_code": _C["discount_code"],
                   "is_promo_order": "True when a discount code was used."}),
    Model("fct_order_items", "MARTS", "table", "Order lines with product category.", """\
select
    i.order_item_id,
    i.order_id,
    i.product_id,
    p.category,
    i.quantity,
    i.unit_price,
    i.line_amount
from {{ ref('stg_order_items') }} as i
left join {{ ref('dim_products') }} as p on p.product_id = i.product_id
""", columns={"order_item_id": "Order line id."}),
    Model("fct_payments", "MARTS", "table", "Payments by day and method.", """\
select
    payment_id,
    order_id,
    paid_at,
    cast(paid_at as date) as payment_date,
    amount,
    status,
    payment_method
from {{ ref('stg_payments') }}
""", group="finance", columns={"payment_id": "Stripe payment intent id."}),
    Model("fct_web_sessions", "MARTS", "incremental", "Site sessions (30-minute inactivity rule).", """\
{{ config(materialized='incremental', unique_key='session_id') }}

with events as (
    select
        *,
        lag(occurred_at) over (partition by anonymous_id order by occurred_at) as previous_at
    from {{ ref('stg_web_events') }}
{% if is_incremental() %}
    where occurred_at > (select dateadd(day, -1, max(session_start)) from {{ this }})
{% endif %}
),
flagged as (
    select
        *,
        case when previous_at is null or datediff('minute', previous_at, occurred_at) > 30 then 1 else 0 end
            as is_new_session
    from events
),
numbered as (
    select
        *,
        sum(is_new_session) over (
            partition by anonymous_id order by occurred_at rows between unbounded preceding and current row
        ) as session_index
    from flagged
)
select
    md5(anonymous_id || '-' || cast(session_index as varchar)) as session_id,
    anonymous_id,
    max(customer_id) as customer_id,
    min(occurred_at) as session_start,
    max(occurred_at) as session_end,
    cast(min(occurred_at) as date) as session_date,
    min(utm_source) as utm_source,
    min(utm_medium) as utm_medium,
    min(utm_campaign) as utm_campaign,
    count(*) as events,
    sum(case when event_type = 'product_view' then 1 else 0 end) as product_views,
    sum(case when event_type = 'add_to_cart' then 1 else 0 end) as add_to_carts,
    sum(case when event_type = 'checkout_started' then 1 else 0 end) as checkouts,
    sum(case when event_type = 'order_completed' then 1 else 0 end) as orders,
    max(_loaded_at) as _loaded_at
from numbered
group by anonymous_id, session_index
""", owner="data-platform", unique_key="session_id", columns={"session_id": "Hash of visitor and session index."}),
    Model("fct_ad_performance", "MARTS", "table", "Campaign performance per day.", """\
select
    spend_date,
    platform,
    campaign_id,
    campaign_name,
    impressions,
    clicks,
    spend,
    case when clicks > 0 then spend / clicks end as cost_per_click
from {{ ref('stg_ad_spend') }}
""", group="growth", columns={"cost_per_click": "Spend divided by clicks."}),
    Model("fct_marketing_attribution", "MARTS", "table", "Sessions, orders, promo orders and spend per channel and day.", """\
with sessions as (
    select
        s.session_date,
        coalesce(m.channel, 'direct') as channel,
        count(*) as sessions,
        sum(case when s.orders > 0 then 1 else 0 end) as converting_sessions
    from {{ ref('fct_web_sessions') }} as s
    left join {{ ref('channel_mapping') }} as m
        on m.utm_source = s.utm_source and m.utm_medium = s.utm_medium
    group by 1, 2
),
orders as (
    select
        o.order_date,
        coalesce(m.channel, 'direct') as channel,
        count(*) as orders,
        sum(case when o.is_promo_order then 1 else 0 end) as promo_orders,
        sum(o.total_price) as revenue
    from {{ ref('fct_orders') }} as o
    left join {{ ref('channel_mapping') }} as m
        on m.utm_source = split_part(split_part(o.landing_site, 'utm_source=', 2), '&', 1)
        and m.utm_medium = split_part(split_part(o.landing_site, 'utm_medium=', 2), '&', 1)
    group by 1, 2
),
spend as (
    select
        spend_date,
        case when platform = 'google_ads' then 'paid_search' else 'paid_social' end as channel,
        sum(spend) as spend
    from {{ ref('fct_ad_performance') }}
    group by 1, 2
)
select
    coalesce(s.session_date, o.order_date) as activity_date,
    coalesce(s.channel, o.channel) as channel,
    coalesce(s.sessions, 0) as sessions,
    coalesce(s.converting_sessions, 0) as converting_sessions,
    coalesce(o.orders, 0) as orders,
    coalesce(o.promo_orders, 0) as promo_orders,
    coalesce(o.revenue, 0) as revenue,
    coalesce(sp.spend, 0) as spend
from sessions as s
full outer join orders as o on o.order_date = s.session_date and o.channel = s.channel
left join spend as sp
    on sp.spend_date = coalesce(s.session_date, o.order_date) and sp.channel = coalesce(s.channel, o.channel)
""", group="growth", columns={"promo_orders": "Orders placed with a discount code."}),
    Model("growth_acquisition_live", "MARTS", "view", "Live acquisition view behind the growth TV dashboard.", """\
select
    s.session_date,
    s.utm_source,
    s.utm_campaign,
    count(distinct s.session_id) as sessions,
    count(distinct s.anonymous_id) as visitors,
    count(distinct o.order_id) as orders,
    sum(o.total_price) as revenue
from {{ ref('fct_web_sessions') }} as s
left join {{ ref('fct_orders') }} as o
    on o.customer_id = s.customer_id and o.order_date = s.session_date
group by 1, 2, 3
""", owner="growth", columns={"sessions": "Distinct sessions."}),
    Model("fin_revenue_daily", "MARTS", "table", "Daily revenue, collections and invoicing.", """\
with orders as (
    select
        order_date,
        count(*) as orders,
        sum(subtotal_price) as gross_revenue,
        sum(total_discounts) as discounts,
        sum(total_price) as net_revenue
    from {{ ref('fct_orders') }}
    group by 1
),
payments as (
    select
        payment_date,
        sum(case when status = 'succeeded' then amount else 0 end) as collected,
        sum(case when status = 'refunded' then amount else 0 end) as refunded
    from {{ ref('fct_payments') }}
    group by 1
),
invoices as (
    select invoice_date, sum(net_amount) as invoiced_net, sum(tax_amount) as tax
    from {{ ref('stg_invoices') }}
    where status = 'posted'
    group by 1
)
select
    o.order_date as revenue_date,
    o.orders,
    o.gross_revenue,
    o.discounts,
    o.net_revenue,
    coalesce(p.collected, 0) as collected,
    coalesce(p.refunded, 0) as refunded,
    coalesce(i.invoiced_net, 0) as invoiced_net,
    coalesce(i.tax, 0) as tax
from orders as o
left join payments as p on p.payment_date = o.order_date
left join invoices as i on i.invoice_date = o.order_date
""", group="finance", columns={"revenue_date": "Order date.", "net_revenue": "Revenue after discounts."}),
    Model("fin_invoice_reconciliation", "MARTS", "table", "Invoices matched against orders.", """\
select
    i.invoice_id,
    i.order_id,
    i.invoice_date,
    i.amount as invoiced_amount,
    o.total_price as order_amount,
    i.amount - coalesce(o.total_price, 0) as difference,
    case
        when o.order_id is null then 'missing_order'
        when abs(i.amount - o.total_price) > 0.01 then 'mismatch'
        else 'matched'
    end as reconciliation_status
from {{ ref('stg_invoices') }} as i
left join {{ ref('fct_orders') }} as o on o.order_id = i.order_id
where i.status = 'posted'
""", group="finance", columns={"reconciliation_status": "matched, mismatch or missing_order."}),
    Model("pa_funnel_daily", "MARTS", "table", "Daily site funnel.", """\
select
    session_date,
    count(*) as sessions,
    sum(case when product_views > 0 then 1 else 0 end) as with_product_view,
    sum(case when add_to_carts > 0 then 1 else 0 end) as with_add_to_cart,
    sum(case when checkouts > 0 then 1 else 0 end) as with_checkout,
    sum(case when orders > 0 then 1 else 0 end) as with_order,
    round(sum(case when orders > 0 then 1 else 0 end) * 1.0 / count(*), 4) as conversion_rate
from {{ ref('fct_web_sessions') }}
group by session_date
""", group="product_analytics", columns={"conversion_rate": "Sessions with an order / sessions."}),
    Model("pa_customer_retention", "MARTS", "table", "Monthly cohort retention.", """\
with firsts as (
    select customer_id, date_trunc('month', first_order_at) as cohort_month
    from {{ ref('dim_customers') }}
    where first_order_at is not null
),
activity as (
    select distinct customer_id, date_trunc('month', ordered_at) as active_month
    from {{ ref('fct_orders') }}
)
select
    f.cohort_month,
    datediff('month', f.cohort_month, a.active_month) as months_since_first,
    count(distinct a.customer_id) as active_customers
from firsts as f
inner join activity as a on a.customer_id = f.customer_id
group by 1, 2
""", group="product_analytics", columns={"cohort_month": "Month of the first order."}),
    Model("snap_customers", "SNAPSHOTS", "snapshot", "Type-2 history of customer attributes.", """\
{% snapshot snap_customers %}
{{ config(target_schema='snapshots', unique_key='id', strategy='timestamp', updated_at='_loaded_at') }}
select id, email, country_code, accepts_marketing, _loaded_at
from {{ source('shopify', 'shopify_customers') }}
{% endsnapshot %}
""", owner="data-platform", unique_key="id"),
)

MODELS_BY_NAME: dict[str, Model] = {m.name: m for m in MODELS}

# Models the six-hourly ``tag:hourly`` job rebuilds between the nightly full runs.
HOURLY_JOB = ("stg_orders", "stg_order_items", "stg_payments", "fct_orders")

# Seed rows (channel_mapping.csv)
CHANNEL_MAPPING: tuple[tuple[str, str, str], ...] = (
    ("google", "cpc", "paid_search"),
    ("bing", "cpc", "paid_search"),
    ("facebook", "paid_social", "paid_social"),
    ("instagram", "paid_social", "paid_social"),
    ("newsletter", "email", "email"),
    ("google", "organic", "organic_search"),
    ("partner", "referral", "affiliate"),
)


def build_order() -> list[Model]:
    """Models in dependency order (dbt's DAG order, ties broken by name)."""
    done: list[Model] = []
    seen: set[str] = set()
    pending = sorted(MODELS, key=lambda m: m.name)
    while pending:
        for model in pending:
            if all(r in seen for r in model.refs):
                done.append(model)
                seen.add(model.name)
                pending.remove(model)
                break
        else:  # pragma: no cover - the project is acyclic
            raise ValueError("cycle in demo project")
    return done
