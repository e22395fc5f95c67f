-- Multi-statement scripts: temp tables are intermediates (read through, never reported), variables
-- carry the columns they were computed from, and IDENTIFIER($v) names a table held in a variable.
-- dialect: snowflake

-- title: temp table read through
-- sources: raw.shop.orders
-- targets: marts.order_totals
-- columns: raw.shop.orders.customer_id -> marts.order_totals.customer_id, raw.shop.orders.amount -> marts.order_totals.total
CREATE TEMPORARY TABLE tmp_orders AS SELECT customer_id, amount FROM raw.shop.orders WHERE status = 'paid';
INSERT INTO marts.order_totals (customer_id, total) SELECT customer_id, sum(amount) FROM tmp_orders GROUP BY 1;

-- title: two temp tables chained
-- sources: raw.crm.leads, raw.crm.deals
-- targets: marts.lead_conversion
-- columns: raw.crm.leads.source -> marts.lead_conversion.source, raw.crm.deals.id -> marts.lead_conversion.deals
CREATE TEMP TABLE t_leads AS SELECT id, source FROM raw.crm.leads;
CREATE TEMP TABLE t_deals AS SELECT d.id, l.source FROM raw.crm.deals d JOIN t_leads l ON l.id = d.lead_id;
CREATE OR REPLACE TABLE marts.lead_conversion AS SELECT source, count(id) AS deals FROM t_deals GROUP BY source;

-- title: temp table filled by two inserts
-- sources: raw.eu.sales, raw.us.sales
-- targets: marts.sales
-- columns: raw.eu.sales.amount -> marts.sales.amount, raw.us.sales.amount_usd -> marts.sales.amount
-- columns: raw.eu.sales.id -> marts.sales.id, raw.us.sales.id -> marts.sales.id
CREATE TEMPORARY TABLE all_sales (id INT, amount NUMBER);
INSERT INTO all_sales SELECT id, amount FROM raw.eu.sales;
INSERT INTO all_sales SELECT id, amount_usd FROM raw.us.sales;
INSERT INTO marts.sales (id, amount) SELECT id, amount FROM all_sales;

-- title: temp table dropped at the end
-- sources: raw.app.events
-- targets: marts.event_counts
-- columns: raw.app.events.kind -> marts.event_counts.kind
CREATE TEMP TABLE ev AS SELECT kind FROM raw.app.events;
INSERT INTO marts.event_counts (kind, n) SELECT kind, count(*) FROM ev GROUP BY kind;
DROP TABLE ev;

-- title: real table created and read in one script
-- sources: raw.shop.products, work.products_clean
-- targets: work.products_clean, marts.products
-- columns: raw.shop.products.id -> work.products_clean.id, raw.shop.products.name -> work.products_clean.name
-- columns: work.products_clean.id -> marts.products.id, work.products_clean.name -> marts.products.name
CREATE OR REPLACE TABLE work.products_clean AS SELECT id, trim(name) AS name FROM raw.shop.products;
INSERT OVERWRITE INTO marts.products SELECT id, name FROM work.products_clean;

-- title: session variable holding a table name
-- sources: prod.core.orders
-- targets: reporting.core.orders_copy
-- columns: prod.core.orders.* -> reporting.core.orders_copy.*
SET src = 'PROD.CORE.ORDERS';
CREATE OR REPLACE TABLE reporting.core.orders_copy AS SELECT * FROM IDENTIFIER($src);

-- title: identifier with literal name
-- sources: prod.core.customers
-- targets:
SELECT count(*) FROM IDENTIFIER('prod.core.customers');

-- title: variable computed from a query
-- sources: raw.app.events, marts.app.daily_active
-- targets: marts.app.daily_active
-- columns: raw.app.events.user_id -> marts.app.daily_active.user_id, raw.app.events.event_date -> marts.app.daily_active.day
SET last_day = (SELECT max(day) FROM marts.app.daily_active);
INSERT INTO marts.app.daily_active (day, user_id) SELECT event_date, user_id FROM raw.app.events WHERE event_date > $last_day;

-- title: variable used as a column value
-- sources: ops.config, raw.app.logins
-- targets: marts.app.logins_tagged
-- columns: ops.config.value -> marts.app.logins_tagged.env, raw.app.logins.user_id -> marts.app.logins_tagged.user_id
SET env = (SELECT value FROM ops.config WHERE key = 'env');
INSERT INTO marts.app.logins_tagged (user_id, env) SELECT user_id, $env FROM raw.app.logins;

-- title: use and transaction statements are ignored
-- sources: raw.shop.refunds
-- targets: marts.refunds
-- columns: raw.shop.refunds.id -> marts.refunds.id
USE WAREHOUSE transform_wh;
BEGIN;
INSERT INTO marts.refunds (id) SELECT id FROM raw.shop.refunds;
COMMIT;

-- title: alter session query tag then insert
-- sources: raw.ads.spend
-- targets: marts.ads.spend_daily
-- columns: raw.ads.spend.day -> marts.ads.spend_daily.day, raw.ads.spend.cost -> marts.ads.spend_daily.cost
ALTER SESSION SET QUERY_TAG = '{"dbt_model": "spend_daily"}';
INSERT INTO marts.ads.spend_daily (day, cost) SELECT day, sum(cost) FROM raw.ads.spend GROUP BY day;
ALTER SESSION UNSET QUERY_TAG;

-- title: swap pattern with staging build
-- sources: raw.shop.customers
-- targets: analytics.marts.customers
-- columns: raw.shop.customers.id -> analytics.marts.customers.id, raw.shop.customers.email -> analytics.marts.customers.email
CREATE OR REPLACE TABLE analytics.marts.customers__new AS SELECT id, lower(email) AS email FROM raw.shop.customers;
ALTER TABLE analytics.marts.customers__new SWAP WITH analytics.marts.customers;
DROP TABLE analytics.marts.customers__new;

-- title: tsql temp table with select into
-- dialect: tsql
-- sources: dbo.orders
-- targets: dbo.order_summary
-- columns: dbo.orders.customer_id -> dbo.order_summary.customer_id, dbo.orders.total -> dbo.order_summary.total
SELECT customer_id, total INTO #recent FROM dbo.orders WHERE created_at > DATEADD(day, -7, GETDATE());
INSERT INTO dbo.order_summary (customer_id, total) SELECT customer_id, SUM(total) FROM #recent GROUP BY customer_id;
DROP TABLE #recent;

-- title: tsql create temp table then fill
-- dialect: tsql
-- sources: dbo.invoices
-- targets: dbo.overdue
-- columns: dbo.invoices.id -> dbo.overdue.invoice_id, dbo.invoices.due_date -> dbo.overdue.days_late
CREATE TABLE #late (invoice_id INT, days_late INT);
INSERT INTO #late (invoice_id, days_late) SELECT id, DATEDIFF(day, due_date, GETDATE()) FROM dbo.invoices WHERE paid = 0;
INSERT INTO dbo.overdue (invoice_id, days_late) SELECT invoice_id, days_late FROM #late;

-- title: tsql variable from query
-- dialect: tsql
-- sources: dbo.batches, dbo.rows_in
-- targets: dbo.rows_out
-- columns: dbo.batches.id -> dbo.rows_out.batch_id, dbo.rows_in.payload -> dbo.rows_out.payload
DECLARE @batch INT;
SELECT @batch = MAX(id) FROM dbo.batches;
INSERT INTO dbo.rows_out (batch_id, payload) SELECT @batch, payload FROM dbo.rows_in;

-- title: bigquery temp table in script
-- dialect: bigquery
-- sources: proj.raw.orders
-- targets: proj.marts.top_customers
-- columns: proj.raw.orders.customer_id -> proj.marts.top_customers.customer_id, proj.raw.orders.amount -> proj.marts.top_customers.spend
CREATE TEMP TABLE spend AS SELECT customer_id, SUM(amount) AS spend FROM `proj.raw.orders` GROUP BY customer_id;
CREATE OR REPLACE TABLE `proj.marts.top_customers` AS SELECT customer_id, spend FROM spend ORDER BY spend DESC LIMIT 100;

-- title: bigquery declare default from query
-- dialect: bigquery
-- sources: proj.marts.events, proj.raw.events
-- targets: proj.marts.events
-- columns: proj.raw.events.id -> proj.marts.events.id, proj.raw.events.ts -> proj.marts.events.ts
DECLARE max_ts TIMESTAMP DEFAULT (SELECT MAX(ts) FROM `proj.marts.events`);
INSERT INTO `proj.marts.events` (id, ts) SELECT id, ts FROM `proj.raw.events` WHERE ts > max_ts;

-- title: bigquery set variable then use in select
-- dialect: bigquery
-- sources: proj.ref.fx, proj.raw.sales
-- targets: proj.marts.sales_eur
-- columns: proj.ref.fx.rate -> proj.marts.sales_eur.amount_eur, proj.raw.sales.amount -> proj.marts.sales_eur.amount_eur
DECLARE eur_rate FLOAT64;
SET eur_rate = (SELECT rate FROM `proj.ref.fx` WHERE currency = 'EUR');
CREATE OR REPLACE TABLE `proj.marts.sales_eur` AS SELECT amount * eur_rate AS amount_eur FROM `proj.raw.sales`;

-- title: databricks temp view in notebook
-- dialect: databricks
-- sources: bronze.orders
-- targets: silver.orders
-- columns: bronze.orders.id -> silver.orders.id, bronze.orders.amount -> silver.orders.amount
CREATE OR REPLACE TEMP VIEW v_orders AS SELECT id, amount FROM bronze.orders WHERE amount > 0;
INSERT OVERWRITE silver.orders SELECT id, amount FROM v_orders;

-- title: postgres temp table with on commit drop
-- dialect: postgres
-- sources: public.accounts
-- targets: public.account_flags
-- columns: public.accounts.id -> public.account_flags.account_id
CREATE TEMP TABLE stale ON COMMIT DROP AS SELECT id FROM public.accounts WHERE last_login < now() - interval '1 year';
INSERT INTO public.account_flags (account_id, flag) SELECT id, 'stale' FROM stale;

-- title: redshift temp table
-- dialect: redshift
-- sources: public.events
-- targets: public.daily_users
-- columns: public.events.user_id -> public.daily_users.users, public.events.ts -> public.daily_users.day
CREATE TEMP TABLE ev AS SELECT user_id, trunc(ts) AS day FROM public.events;
INSERT INTO public.daily_users (day, users) SELECT day, count(DISTINCT user_id) FROM ev GROUP BY day;

-- title: duckdb temp table
-- dialect: duckdb
-- sources: trips
-- targets: zone_stats
-- columns: trips.zone -> zone_stats.zone, trips.fare -> zone_stats.avg_fare
CREATE TEMP TABLE t AS SELECT zone, fare FROM trips;
CREATE TABLE zone_stats AS SELECT zone, avg(fare) AS avg_fare FROM t GROUP BY zone;

-- title: failing statement does not hide others
-- sources: raw.shop.orders
-- targets: marts.orders_copy
-- columns: raw.shop.orders.id -> marts.orders_copy.id
INSERT INTO marts.orders_copy (id) SELECT id FROM raw.shop.orders;
SELECT FROM WHERE GROUP;

-- title: temp table then merge
-- sources: raw.crm.accounts
-- targets: core.accounts
-- columns: raw.crm.accounts.name -> core.accounts.name, raw.crm.accounts.id -> core.accounts.id
CREATE TEMP TABLE acc AS SELECT id, name FROM raw.crm.accounts WHERE _deleted = FALSE;
MERGE INTO core.accounts t USING acc s ON t.id = s.id
WHEN MATCHED THEN UPDATE SET name = s.name
WHEN NOT MATCHED THEN INSERT (id, name) VALUES (s.id, s.name);
