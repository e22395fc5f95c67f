-- Compiled dbt models as they appear in query history: query comments, CTE chains, incremental merges.
-- dialect: snowflake

-- title: staging model view
-- sources: raw.stripe.charges
-- targets: analytics.staging.stg_stripe__charges
-- columns: raw.stripe.charges.id -> analytics.staging.stg_stripe__charges.charge_id, raw.stripe.charges.amount -> analytics.staging.stg_stripe__charges.amount_usd
-- columns: raw.stripe.charges.created -> analytics.staging.stg_stripe__charges.created_at, raw.stripe.charges.customer -> analytics.staging.stg_stripe__charges.customer_id
create or replace view analytics.staging.stg_stripe__charges
  as (
    with source as (
        select * from raw.stripe.charges
    ),
    renamed as (
        select
            id as charge_id,
            customer as customer_id,
            amount / 100.0 as amount_usd,
            to_timestamp(created) as created_at
        from source
    )
    select * from renamed
  )
/* {"app": "dbt", "dbt_version": "1.8.3", "profile_name": "acme", "target_name": "prod", "node_id": "model.acme.stg_stripe__charges"} */;

-- title: mart table with joins of refs
-- sources: analytics.staging.stg_orders, analytics.staging.stg_customers, analytics.staging.stg_payments
-- targets: analytics.marts.fct_orders
-- columns: analytics.staging.stg_orders.order_id -> analytics.marts.fct_orders.order_id, analytics.staging.stg_customers.customer_name -> analytics.marts.fct_orders.customer_name
-- columns: analytics.staging.stg_payments.amount -> analytics.marts.fct_orders.amount_paid, analytics.staging.stg_orders.ordered_at -> analytics.marts.fct_orders.ordered_at
create or replace transient table analytics.marts.fct_orders
  as (
with orders as (
    select order_id, customer_id, ordered_at from analytics.staging.stg_orders
),
customers as (
    select customer_id, customer_name from analytics.staging.stg_customers
),
payments as (
    select order_id, sum(amount) as amount from analytics.staging.stg_payments where status = 'success' group by 1
)
select
    orders.order_id,
    customers.customer_name,
    coalesce(payments.amount, 0) as amount_paid,
    orders.ordered_at
from orders
left join customers on customers.customer_id = orders.customer_id
left join payments on payments.order_id = orders.order_id
  )
/* {"app": "dbt", "dbt_version": "1.8.3", "profile_name": "acme", "target_name": "prod", "node_id": "model.acme.fct_orders"} */;

-- title: incremental model temp view then merge
-- sources: analytics.staging.stg_events, analytics.marts.fct_events
-- targets: analytics.marts.fct_events
-- columns: analytics.staging.stg_events.event_id -> analytics.marts.fct_events.event_id, analytics.staging.stg_events.user_id -> analytics.marts.fct_events.user_id, analytics.staging.stg_events.occurred_at -> analytics.marts.fct_events.occurred_at
create or replace temporary view analytics.marts.fct_events__dbt_tmp
  as (
select event_id, user_id, occurred_at from analytics.staging.stg_events
where occurred_at > (select max(occurred_at) from analytics.marts.fct_events)
  );
merge into analytics.marts.fct_events as DBT_INTERNAL_DEST
    using analytics.marts.fct_events__dbt_tmp as DBT_INTERNAL_SOURCE
    on (DBT_INTERNAL_SOURCE.event_id = DBT_INTERNAL_DEST.event_id)
when matched then update set
    "EVENT_ID" = DBT_INTERNAL_SOURCE."EVENT_ID","USER_ID" = DBT_INTERNAL_SOURCE."USER_ID","OCCURRED_AT" = DBT_INTERNAL_SOURCE."OCCURRED_AT"
when not matched then insert
    ("EVENT_ID", "USER_ID", "OCCURRED_AT")
values
    ("EVENT_ID", "USER_ID", "OCCURRED_AT");

-- title: incremental delete insert strategy
-- sources: analytics.staging.stg_sessions
-- targets: analytics.marts.fct_sessions
-- columns: analytics.staging.stg_sessions.session_id -> analytics.marts.fct_sessions.session_id, analytics.staging.stg_sessions.duration_s -> analytics.marts.fct_sessions.duration_s
create or replace temporary table analytics.marts.fct_sessions__dbt_tmp as (
  select session_id, duration_s from analytics.staging.stg_sessions where session_date >= dateadd(day, -3, current_date)
);
delete from analytics.marts.fct_sessions
    where (session_id) in (select distinct session_id from analytics.marts.fct_sessions__dbt_tmp);
insert into analytics.marts.fct_sessions ("SESSION_ID", "DURATION_S")
    (select "SESSION_ID", "DURATION_S" from analytics.marts.fct_sessions__dbt_tmp);

-- title: snapshot style merge with hashes
-- sources: analytics.staging.stg_products
-- targets: analytics.snapshots.products_snapshot
-- columns: analytics.staging.stg_products.product_id -> analytics.snapshots.products_snapshot.product_id, analytics.staging.stg_products.price -> analytics.snapshots.products_snapshot.price
-- columns: analytics.staging.stg_products.product_id -> analytics.snapshots.products_snapshot.dbt_scd_id, analytics.staging.stg_products.updated_at -> analytics.snapshots.products_snapshot.dbt_scd_id
merge into analytics.snapshots.products_snapshot as t
using (
  select product_id, price, md5(coalesce(cast(product_id as varchar), '') || '|' || coalesce(cast(updated_at as varchar), '')) as dbt_scd_id
  from analytics.staging.stg_products
) as s
on s.dbt_scd_id = t.dbt_scd_id
when not matched then insert (product_id, price, dbt_scd_id) values (s.product_id, s.price, s.dbt_scd_id);

-- title: ephemeral model inlined as cte
-- sources: raw.shop.orders
-- targets: analytics.marts.order_days
-- columns: raw.shop.orders.created_at -> analytics.marts.order_days.order_day, raw.shop.orders.id -> analytics.marts.order_days.orders
create or replace table analytics.marts.order_days as (
with __dbt__cte__int_orders as (
  select id, created_at::date as order_day from raw.shop.orders
)
select order_day, count(id) as orders from __dbt__cte__int_orders group by 1
);

-- title: dbt test query reads only
-- sources: analytics.marts.fct_orders
-- targets:
select count(*) as failures, count(*) != 0 as should_warn, count(*) != 0 as should_error from (
    select order_id from analytics.marts.fct_orders where order_id is null
) dbt_internal_test
/* {"app": "dbt", "node_id": "test.acme.not_null_fct_orders_order_id.5d2a1b"} */;

-- title: dbt unique test with group by having
-- sources: analytics.marts.dim_customers
-- targets:
select count(*) as failures from (
    select customer_id as unique_field, count(*) as n_records from analytics.marts.dim_customers where customer_id is not null group by customer_id having count(*) > 1
) dbt_internal_test;

-- title: relationships test
-- sources: analytics.marts.fct_orders, analytics.marts.dim_customers
-- targets:
with child as (select customer_id as from_field from analytics.marts.fct_orders where customer_id is not null),
parent as (select customer_id as to_field from analytics.marts.dim_customers)
select from_field from child left join parent on child.from_field = parent.to_field where parent.to_field is null;

-- title: postgres dbt model with prepended comment
-- dialect: postgres
-- sources: analytics.staging.stg_invoices
-- targets: analytics.marts.fct_invoices
-- columns: analytics.staging.stg_invoices.invoice_id -> analytics.marts.fct_invoices.invoice_id, analytics.staging.stg_invoices.total -> analytics.marts.fct_invoices.total
/* {"app": "dbt", "dbt_version": "1.8.0", "profile_name": "acme", "target_name": "dev", "node_id": "model.acme.fct_invoices"} */
create  table "analytics"."marts"."fct_invoices__dbt_tmp" as (
  select invoice_id, total from "analytics"."staging"."stg_invoices"
);
alter table "analytics"."marts"."fct_invoices" rename to "fct_invoices__dbt_backup";
alter table "analytics"."marts"."fct_invoices__dbt_tmp" rename to "fct_invoices";
drop table if exists "analytics"."marts"."fct_invoices__dbt_backup" cascade;

-- title: bigquery dbt table model
-- dialect: bigquery
-- sources: acme-prod.staging.stg_ads
-- targets: acme-prod.marts.ad_spend
-- columns: acme-prod.staging.stg_ads.campaign_id -> acme-prod.marts.ad_spend.campaign_id, acme-prod.staging.stg_ads.cost_micros -> acme-prod.marts.ad_spend.spend
create or replace table `acme-prod`.`marts`.`ad_spend`
OPTIONS()
as (
  select campaign_id, sum(cost_micros) / 1e6 as spend from `acme-prod`.`staging`.`stg_ads` group by 1
);

-- title: dbt seed load
-- sources:
-- targets: analytics.seeds.country_codes
insert into analytics.seeds.country_codes (code, name) values ('DE', 'Germany'), ('FR', 'France'), ('IT', 'Italy');

-- title: databricks dbt incremental insert overwrite
-- dialect: databricks
-- sources: main.staging.stg_clicks
-- targets: main.marts.clicks_daily
-- columns: main.staging.stg_clicks.click_date -> main.marts.clicks_daily.click_date, main.staging.stg_clicks.click_id -> main.marts.clicks_daily.clicks
create or replace temporary view clicks_daily__dbt_tmp as
  select click_date, count(click_id) as clicks from main.staging.stg_clicks where click_date >= current_date() - interval 3 days group by 1;
insert overwrite table main.marts.clicks_daily partition (click_date)
  select clicks, click_date from clicks_daily__dbt_tmp;

-- title: dbt metadata query against information schema
-- sources: analytics.information_schema.columns
-- targets:
select column_name, data_type, character_maximum_length, numeric_precision, numeric_scale
from analytics.information_schema.columns where table_name ilike 'FCT_ORDERS' and table_schema ilike 'MARTS' order by ordinal_position;
