-- BigQuery: backquoted paths, UNNEST, structs, wildcard tables, scripting.
-- dialect: bigquery

-- title: backquoted full path
-- sources: acme-prod.shop.orders
-- targets:
SELECT order_id FROM `acme-prod.shop.orders` WHERE DATE(created_at) = CURRENT_DATE();

-- title: separately quoted parts
-- sources: acme-prod.shop.customers
-- targets:
SELECT * FROM `acme-prod`.`shop`.`customers`;

-- title: dataset.table without project
-- sources: shop.refunds
-- targets:
SELECT refund_id, amount FROM shop.refunds;

-- title: unnest array column
-- sources: acme-prod.shop.orders
-- targets: acme-prod.marts.order_skus
-- columns: acme-prod.shop.orders.order_id -> acme-prod.marts.order_skus.order_id, acme-prod.shop.orders.skus -> acme-prod.marts.order_skus.sku
CREATE OR REPLACE TABLE `acme-prod.marts.order_skus` AS
SELECT o.order_id, sku FROM `acme-prod.shop.orders` o, UNNEST(o.skus) AS sku;

-- title: unnest array of structs with offset
-- sources: acme-prod.shop.carts
-- targets: acme-prod.marts.cart_lines
-- columns: acme-prod.shop.carts.cart_id -> acme-prod.marts.cart_lines.cart_id, acme-prod.shop.carts.lines -> acme-prod.marts.cart_lines.product_id, acme-prod.shop.carts.lines -> acme-prod.marts.cart_lines.price
CREATE OR REPLACE TABLE `acme-prod.marts.cart_lines` AS
SELECT c.cart_id, line.product_id AS product_id, line.price AS price, pos
FROM `acme-prod.shop.carts` c CROSS JOIN UNNEST(c.lines) AS line WITH OFFSET AS pos;

-- title: struct field access
-- sources: acme-prod.raw.ga_sessions
-- targets: acme-prod.marts.sessions
-- columns: acme-prod.raw.ga_sessions.visitid -> acme-prod.marts.sessions.visit_id, acme-prod.raw.ga_sessions.device -> acme-prod.marts.sessions.browser, acme-prod.raw.ga_sessions.geonetwork -> acme-prod.marts.sessions.country
CREATE TABLE `acme-prod.marts.sessions` AS
SELECT s.visitId AS visit_id, s.device.browser AS browser, s.geoNetwork.country AS country FROM `acme-prod.raw.ga_sessions` s;

-- title: wildcard table with suffix filter
-- sources: acme-prod.analytics.events_*
-- targets:
SELECT event_name, COUNT(*) FROM `acme-prod.analytics.events_*` WHERE _TABLE_SUFFIX BETWEEN '20240101' AND '20240131' GROUP BY 1;

-- title: insert with safe cast and ifnull
-- sources: acme-prod.raw.payments
-- targets: acme-prod.marts.payments
-- columns: acme-prod.raw.payments.id -> acme-prod.marts.payments.id, acme-prod.raw.payments.amount_str -> acme-prod.marts.payments.amount, acme-prod.raw.payments.currency -> acme-prod.marts.payments.currency
INSERT INTO `acme-prod.marts.payments` (id, amount, currency)
SELECT id, SAFE_CAST(amount_str AS NUMERIC), IFNULL(currency, 'USD') FROM `acme-prod.raw.payments`;

-- title: qualify in bigquery
-- sources: acme-prod.raw.users
-- targets: acme-prod.marts.users
-- columns: acme-prod.raw.users.user_id -> acme-prod.marts.users.user_id, acme-prod.raw.users.plan -> acme-prod.marts.users.plan
CREATE OR REPLACE TABLE `acme-prod.marts.users` AS
SELECT user_id, plan FROM `acme-prod.raw.users` WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY updated_at DESC) = 1;

-- title: except and replace modifiers with schema
-- schema: {"acme-prod.raw.accounts": ["id", "name", "secret", "tier"]}
-- sources: acme-prod.raw.accounts
-- targets: acme-prod.shared.accounts
-- columns: acme-prod.raw.accounts.id -> acme-prod.shared.accounts.id, acme-prod.raw.accounts.name -> acme-prod.shared.accounts.name, acme-prod.raw.accounts.tier -> acme-prod.shared.accounts.tier
CREATE OR REPLACE VIEW `acme-prod.shared.accounts` AS SELECT * EXCEPT (secret) REPLACE (UPPER(tier) AS tier) FROM `acme-prod.raw.accounts`;

-- title: array subquery in select
-- sources: acme-prod.shop.customers, acme-prod.shop.orders
-- targets: acme-prod.marts.customer_order_ids
-- columns: acme-prod.shop.customers.id -> acme-prod.marts.customer_order_ids.customer_id, acme-prod.shop.orders.id -> acme-prod.marts.customer_order_ids.order_ids
CREATE TABLE `acme-prod.marts.customer_order_ids` AS
SELECT c.id AS customer_id, ARRAY(SELECT o.id FROM `acme-prod.shop.orders` o WHERE o.customer_id = c.id) AS order_ids FROM `acme-prod.shop.customers` c;

-- title: date functions and formatting
-- sources: acme-prod.raw.events
-- targets: acme-prod.marts.events_by_week
-- columns: acme-prod.raw.events.ts -> acme-prod.marts.events_by_week.week, acme-prod.raw.events.event_id -> acme-prod.marts.events_by_week.n
INSERT INTO `acme-prod.marts.events_by_week` (week, n)
SELECT FORMAT_DATE('%G-W%V', DATE(ts)), COUNT(event_id) FROM `acme-prod.raw.events` GROUP BY 1;

-- title: information schema jobs
-- sources: region-us.information_schema.jobs
-- targets:
SELECT user_email, SUM(total_bytes_billed) FROM `region-us`.INFORMATION_SCHEMA.JOBS WHERE creation_time > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 DAY) GROUP BY 1;

-- title: struct construction
-- sources: acme-prod.shop.orders
-- targets: acme-prod.marts.orders_nested
-- columns: acme-prod.shop.orders.order_id -> acme-prod.marts.orders_nested.order_id, acme-prod.shop.orders.city -> acme-prod.marts.orders_nested.address, acme-prod.shop.orders.zip -> acme-prod.marts.orders_nested.address
CREATE TABLE `acme-prod.marts.orders_nested` AS
SELECT order_id, STRUCT(city, zip) AS address FROM `acme-prod.shop.orders`;

-- title: merge with when not matched by source
-- sources: acme-prod.staging.stock
-- targets: acme-prod.core.stock
-- columns: acme-prod.staging.stock.qty -> acme-prod.core.stock.qty, acme-prod.staging.stock.sku -> acme-prod.core.stock.sku
MERGE `acme-prod.core.stock` t USING `acme-prod.staging.stock` s ON t.sku = s.sku
WHEN MATCHED THEN UPDATE SET qty = s.qty
WHEN NOT MATCHED BY TARGET THEN INSERT (sku, qty) VALUES (s.sku, s.qty)
WHEN NOT MATCHED BY SOURCE THEN DELETE;

-- title: insert with cte and union distinct
-- sources: acme-prod.raw.ios_installs, acme-prod.raw.android_installs
-- targets: acme-prod.marts.installs
-- columns: acme-prod.raw.ios_installs.device_id -> acme-prod.marts.installs.device_id, acme-prod.raw.android_installs.device_id -> acme-prod.marts.installs.device_id
INSERT INTO `acme-prod.marts.installs` (device_id, platform)
WITH i AS (SELECT device_id, 'ios' AS platform FROM `acme-prod.raw.ios_installs`),
     a AS (SELECT device_id, 'android' AS platform FROM `acme-prod.raw.android_installs`)
SELECT device_id, platform FROM i UNION DISTINCT SELECT device_id, platform FROM a;

-- title: approx functions and countif
-- sources: acme-prod.raw.clicks
-- targets: acme-prod.marts.click_stats
-- columns: acme-prod.raw.clicks.user_id -> acme-prod.marts.click_stats.users, acme-prod.raw.clicks.is_bot -> acme-prod.marts.click_stats.bots, acme-prod.raw.clicks.campaign -> acme-prod.marts.click_stats.campaign
CREATE OR REPLACE TABLE `acme-prod.marts.click_stats` AS
SELECT campaign, APPROX_COUNT_DISTINCT(user_id) AS users, COUNTIF(is_bot) AS bots FROM `acme-prod.raw.clicks` GROUP BY campaign;

-- title: table function is not a table
-- sources:
-- targets:
SELECT * FROM UNNEST(GENERATE_DATE_ARRAY('2024-01-01', '2024-12-31')) AS d;

-- title: filter on a score column
-- sources: acme-prod.marts.customers
-- targets:
SELECT * FROM `acme-prod.marts.customers` WHERE churn_score > 0.8;

-- title: create view with json extraction
-- sources: acme-prod.raw.webhooks
-- targets: acme-prod.marts.webhook_events
-- columns: acme-prod.raw.webhooks.body -> acme-prod.marts.webhook_events.event_type, acme-prod.raw.webhooks.received_at -> acme-prod.marts.webhook_events.received_at
CREATE OR REPLACE VIEW `acme-prod.marts.webhook_events` AS
SELECT JSON_VALUE(body, '$.type') AS event_type, received_at FROM `acme-prod.raw.webhooks`;

-- title: partition decorator free select with alias reuse in order
-- sources: acme-prod.shop.orders
-- targets:
SELECT customer_id, SUM(amount) AS total FROM `acme-prod.shop.orders` GROUP BY customer_id ORDER BY total DESC LIMIT 10;
