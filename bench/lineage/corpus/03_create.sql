-- CREATE TABLE AS, views, materialized views, clones and plain DDL.
-- dialect: snowflake

-- title: ctas simple
-- sources: raw.shop.orders
-- targets: analytics.marts.orders
-- columns: raw.shop.orders.id -> analytics.marts.orders.id, raw.shop.orders.amount -> analytics.marts.orders.amount
CREATE TABLE analytics.marts.orders AS SELECT id, amount FROM raw.shop.orders;

-- title: create or replace ctas with aliases
-- sources: raw.shop.customers
-- targets: analytics.marts.customers
-- columns: raw.shop.customers.id -> analytics.marts.customers.customer_id, raw.shop.customers.first_name -> analytics.marts.customers.name, raw.shop.customers.last_name -> analytics.marts.customers.name
CREATE OR REPLACE TABLE analytics.marts.customers AS
SELECT id AS customer_id, first_name || ' ' || last_name AS name FROM raw.shop.customers;

-- title: ctas with column list
-- sources: raw.web.visits
-- targets: marts.visits_by_day
-- columns: raw.web.visits.visited_at -> marts.visits_by_day.day, raw.web.visits.visitor_id -> marts.visits_by_day.visitors
CREATE TABLE marts.visits_by_day (day, visitors) AS
SELECT to_date(visited_at), count(DISTINCT visitor_id) FROM raw.web.visits GROUP BY 1;

-- title: transient table is a real target
-- sources: raw.sf.leads
-- targets: work.leads_snapshot
-- columns: raw.sf.leads.id -> work.leads_snapshot.id, raw.sf.leads.status -> work.leads_snapshot.status
CREATE TRANSIENT TABLE work.leads_snapshot AS SELECT id, status FROM raw.sf.leads;

-- title: view
-- sources: analytics.marts.orders
-- targets: analytics.reporting.big_orders
-- columns: analytics.marts.orders.id -> analytics.reporting.big_orders.id, analytics.marts.orders.amount -> analytics.reporting.big_orders.amount
CREATE VIEW analytics.reporting.big_orders AS SELECT id, amount FROM analytics.marts.orders WHERE amount > 1000;

-- title: secure view with column list
-- sources: hr.core.salaries
-- targets: hr.shared.salary_bands
-- columns: hr.core.salaries.employee_id -> hr.shared.salary_bands.emp, hr.core.salaries.salary -> hr.shared.salary_bands.band
CREATE OR REPLACE SECURE VIEW hr.shared.salary_bands (emp, band) AS
SELECT employee_id, width_bucket(salary, 0, 300000, 10) FROM hr.core.salaries;

-- title: materialized view
-- sources: iot.raw.readings
-- targets: iot.agg.hourly
-- columns: iot.raw.readings.device_id -> iot.agg.hourly.device_id, iot.raw.readings.ts -> iot.agg.hourly.hour, iot.raw.readings.temp -> iot.agg.hourly.avg_temp
CREATE MATERIALIZED VIEW iot.agg.hourly AS
SELECT device_id, date_trunc('hour', ts) AS hour, avg(temp) AS avg_temp FROM iot.raw.readings GROUP BY 1, 2;

-- title: dynamic table
-- sources: raw.app.events
-- targets: live.app.active_users
-- columns: raw.app.events.user_id -> live.app.active_users.user_id, raw.app.events.ts -> live.app.active_users.last_seen
CREATE OR REPLACE DYNAMIC TABLE live.app.active_users TARGET_LAG = '5 minutes' WAREHOUSE = transform_wh AS
SELECT user_id, max(ts) AS last_seen FROM raw.app.events GROUP BY user_id;

-- title: create table with columns only
-- sources:
-- targets: app.core.feature_flags
CREATE TABLE app.core.feature_flags (name VARCHAR, enabled BOOLEAN, updated_at TIMESTAMP_NTZ);

-- title: create table if not exists
-- sources:
-- targets: ops.audit
CREATE TABLE IF NOT EXISTS ops.audit (id INT AUTOINCREMENT, note STRING);

-- title: clone
-- sources: prod.core.orders
-- targets: dev.core.orders
CREATE TABLE dev.core.orders CLONE prod.core.orders;

-- title: like
-- sources: prod.core.customers
-- targets: prod.core.customers_backup
CREATE TABLE prod.core.customers_backup LIKE prod.core.customers;

-- title: ctas with join and window
-- sources: raw.shop.orders, raw.shop.customers
-- targets: marts.customer_orders
-- columns: raw.shop.customers.id -> marts.customer_orders.customer_id, raw.shop.orders.id -> marts.customer_orders.order_id
-- columns: raw.shop.orders.created_at -> marts.customer_orders.order_seq, raw.shop.customers.id -> marts.customer_orders.order_seq
CREATE TABLE marts.customer_orders AS
SELECT c.id AS customer_id, o.id AS order_id,
       row_number() OVER (PARTITION BY c.id ORDER BY o.created_at) AS order_seq
FROM raw.shop.customers c JOIN raw.shop.orders o ON o.customer_id = c.id;

-- title: ctas parenthesised query
-- sources: raw.fin.fx
-- targets: marts.fx_latest
-- columns: raw.fin.fx.currency -> marts.fx_latest.currency, raw.fin.fx.rate -> marts.fx_latest.rate
CREATE OR REPLACE TABLE marts.fx_latest AS (SELECT currency, rate FROM raw.fin.fx QUALIFY row_number() OVER (PARTITION BY currency ORDER BY as_of DESC) = 1);

-- title: create schema is not a table
-- sources:
-- targets:
CREATE SCHEMA IF NOT EXISTS analytics.sandbox;

-- title: create stage is not a table
-- sources:
-- targets:
CREATE STAGE raw.landing.s3_stage URL = 's3://acme-landing/' STORAGE_INTEGRATION = s3_int;

-- title: postgres ctas
-- dialect: postgres
-- sources: public.orders
-- targets: reporting.order_totals
-- columns: public.orders.customer_id -> reporting.order_totals.customer_id, public.orders.amount -> reporting.order_totals.total
CREATE TABLE reporting.order_totals AS SELECT customer_id, sum(amount) AS total FROM public.orders GROUP BY customer_id;

-- title: postgres materialized view with cte
-- dialect: postgres
-- sources: public.page_views
-- targets: reporting.top_pages
-- columns: public.page_views.path -> reporting.top_pages.path, public.page_views.id -> reporting.top_pages.views
CREATE MATERIALIZED VIEW reporting.top_pages AS
WITH pv AS (SELECT path, id FROM public.page_views)
SELECT path, count(id) AS views FROM pv GROUP BY path ORDER BY views DESC LIMIT 100;

-- title: postgres unlogged table is real
-- dialect: postgres
-- sources: public.events
-- targets: scratch.events_copy
-- columns: public.events.* -> scratch.events_copy.*
CREATE UNLOGGED TABLE scratch.events_copy AS SELECT * FROM public.events;

-- title: postgres view over two views
-- dialect: postgres
-- sources: reporting.v_sales, reporting.v_targets
-- targets: reporting.v_attainment
-- columns: reporting.v_sales.rep -> reporting.v_attainment.rep, reporting.v_sales.amount -> reporting.v_attainment.attainment, reporting.v_targets.target -> reporting.v_attainment.attainment
CREATE OR REPLACE VIEW reporting.v_attainment AS
SELECT s.rep, s.amount / NULLIF(t.target, 0) AS attainment FROM reporting.v_sales s JOIN reporting.v_targets t USING (rep);

-- title: postgres create index is not lineage
-- dialect: postgres
-- sources:
-- targets:
CREATE INDEX CONCURRENTLY idx_orders_customer ON public.orders (customer_id);

-- title: duckdb create table as from csv reader
-- dialect: duckdb
-- sources:
-- targets: raw_trips
CREATE TABLE raw_trips AS SELECT * FROM read_csv_auto('trips.csv');

-- title: duckdb create or replace view
-- dialect: duckdb
-- sources: raw_trips
-- targets: trips_by_zone
-- columns: raw_trips.pickup_zone -> trips_by_zone.zone, raw_trips.fare -> trips_by_zone.revenue
CREATE OR REPLACE VIEW trips_by_zone AS SELECT pickup_zone AS zone, sum(fare) AS revenue FROM raw_trips GROUP BY ALL;

-- title: trino ctas with properties
-- dialect: trino
-- sources: hive.web.logs
-- targets: iceberg.web.errors
-- columns: hive.web.logs.ts -> iceberg.web.errors.ts, hive.web.logs.url -> iceberg.web.errors.url
CREATE TABLE iceberg.web.errors WITH (format = 'PARQUET') AS SELECT ts, url FROM hive.web.logs WHERE status >= 500;

-- title: mysql create table select
-- dialect: mysql
-- sources: shop.orders
-- targets: shop.orders_2024
-- columns: shop.orders.id -> shop.orders_2024.id, shop.orders.total -> shop.orders_2024.total
CREATE TABLE shop.orders_2024 AS SELECT id, total FROM shop.orders WHERE YEAR(created_at) = 2024;

-- title: redshift ctas with distribution
-- dialect: redshift
-- sources: public.sales
-- targets: public.sales_by_region
-- columns: public.sales.region -> public.sales_by_region.region, public.sales.amount -> public.sales_by_region.total
CREATE TABLE public.sales_by_region DISTKEY(region) SORTKEY(region) AS SELECT region, sum(amount) AS total FROM public.sales GROUP BY region;

-- title: redshift late binding view
-- dialect: redshift
-- sources: spectrum.events
-- targets: public.v_events
-- columns: spectrum.events.id -> public.v_events.id, spectrum.events.name -> public.v_events.name
CREATE VIEW public.v_events AS SELECT id, name FROM spectrum.events WITH NO SCHEMA BINDING;

-- title: tsql create view
-- dialect: tsql
-- sources: dbo.orders
-- targets: dbo.v_open_orders
-- columns: dbo.orders.order_id -> dbo.v_open_orders.order_id, dbo.orders.customer -> dbo.v_open_orders.customer
CREATE VIEW dbo.v_open_orders AS SELECT order_id, customer FROM dbo.orders WHERE status = 'open';

-- title: bigquery create or replace table partitioned
-- dialect: bigquery
-- sources: acme-prod.raw.events
-- targets: acme-prod.marts.events_daily
-- columns: acme-prod.raw.events.event_ts -> acme-prod.marts.events_daily.day, acme-prod.raw.events.user_id -> acme-prod.marts.events_daily.users
CREATE OR REPLACE TABLE `acme-prod.marts.events_daily` PARTITION BY day AS
SELECT DATE(event_ts) AS day, COUNT(DISTINCT user_id) AS users FROM `acme-prod.raw.events` GROUP BY day;

-- title: databricks create table using delta as select
-- dialect: databricks
-- sources: bronze.events
-- targets: silver.events
-- columns: bronze.events.id -> silver.events.id, bronze.events.body -> silver.events.body
CREATE OR REPLACE TABLE silver.events USING DELTA AS SELECT id, body FROM bronze.events WHERE body IS NOT NULL;

-- title: hive create table as with stored as
-- dialect: hive
-- sources: logs.access
-- targets: logs.access_2024
-- columns: logs.access.ip -> logs.access_2024.ip, logs.access.path -> logs.access_2024.path
CREATE TABLE logs.access_2024 STORED AS ORC AS SELECT ip, path FROM logs.access WHERE yr = 2024;
