-- T-SQL, MySQL, Trino, DuckDB and Redshift specifics.
-- dialect: tsql

-- title: bracket quoted names
-- sources: sales.dbo.orders
-- targets:
SELECT [order_id], [amount] FROM [sales].[dbo].[orders] WHERE [status] = N'open';

-- title: four part linked server name
-- sources: srv01.sales.dbo.customers
-- targets:
SELECT TOP 10 name FROM srv01.sales.dbo.customers ORDER BY created DESC;

-- title: cross apply table valued subquery
-- sources: dbo.customers, dbo.orders
-- targets: dbo.customer_last_order
-- columns: dbo.customers.id -> dbo.customer_last_order.customer_id, dbo.orders.amount -> dbo.customer_last_order.last_amount
INSERT INTO dbo.customer_last_order (customer_id, last_amount)
SELECT c.id, x.amount FROM dbo.customers c CROSS APPLY (SELECT TOP 1 o.amount FROM dbo.orders o WHERE o.customer_id = c.id ORDER BY o.created DESC) x;

-- title: select into permanent table
-- sources: dbo.orders
-- targets: dbo.orders_archive_2023
-- columns: dbo.orders.* -> dbo.orders_archive_2023.*
SELECT * INTO dbo.orders_archive_2023 FROM dbo.orders WHERE YEAR(created) = 2023;

-- title: with nolock hints
-- sources: dbo.inventory, dbo.warehouses
-- targets:
SELECT i.sku, w.name FROM dbo.inventory i WITH (NOLOCK) INNER JOIN dbo.warehouses w WITH (NOLOCK) ON w.id = i.warehouse_id;

-- title: isnull and convert
-- sources: dbo.payments
-- targets: rpt.payments
-- columns: dbo.payments.id -> rpt.payments.id, dbo.payments.paid_on -> rpt.payments.paid_day, dbo.payments.fee -> rpt.payments.fee
INSERT INTO rpt.payments (id, paid_day, fee) SELECT id, CONVERT(date, paid_on), ISNULL(fee, 0) FROM dbo.payments;

-- title: tsql delete alias with join
-- sources: dbo.blocked
-- targets: dbo.sessions
DELETE s FROM dbo.sessions s INNER JOIN dbo.blocked b ON b.user_id = s.user_id;

-- title: mysql backticks and limit
-- dialect: mysql
-- sources: shop.orders
-- targets:
SELECT `id`, `total` FROM `shop`.`orders` ORDER BY `created_at` DESC LIMIT 50;

-- title: mysql insert select with if and group_concat
-- dialect: mysql
-- sources: shop.orders, shop.order_items
-- targets: shop.order_summary
-- columns: shop.orders.id -> shop.order_summary.order_id, shop.order_items.sku -> shop.order_summary.skus, shop.orders.total -> shop.order_summary.is_big
INSERT INTO shop.order_summary (order_id, skus, is_big)
SELECT o.id, GROUP_CONCAT(i.sku SEPARATOR ','), IF(o.total > 500, 1, 0) FROM shop.orders o JOIN shop.order_items i ON i.order_id = o.id GROUP BY o.id, o.total;

-- title: mysql create table like
-- dialect: mysql
-- sources: shop.customers
-- targets: shop.customers_new
CREATE TABLE shop.customers_new LIKE shop.customers;

-- title: mysql delete multi table join
-- dialect: mysql
-- sources: shop.spam_users
-- targets: shop.comments
DELETE c FROM shop.comments c JOIN shop.spam_users s ON s.id = c.user_id;

-- title: trino unnest with cross join
-- dialect: trino
-- sources: hive.raw.orders
-- targets: iceberg.mart.order_tags
-- columns: hive.raw.orders.id -> iceberg.mart.order_tags.order_id, hive.raw.orders.tags -> iceberg.mart.order_tags.tag
INSERT INTO iceberg.mart.order_tags (order_id, tag) SELECT o.id, t.tag FROM hive.raw.orders o CROSS JOIN UNNEST(o.tags) AS t(tag);

-- title: trino catalog qualified join across connectors
-- dialect: trino
-- sources: postgresql.public.users, hive.web.pageviews
-- targets:
SELECT u.email, count(*) FROM postgresql.public.users u JOIN hive.web.pageviews p ON p.user_id = u.id GROUP BY 1;

-- title: trino create table as with
-- dialect: trino
-- sources: hive.raw.events
-- targets: iceberg.mart.event_types
-- columns: hive.raw.events.type -> iceberg.mart.event_types.type, hive.raw.events.id -> iceberg.mart.event_types.n
CREATE TABLE iceberg.mart.event_types AS WITH e AS (SELECT type, id FROM hive.raw.events) SELECT type, count(id) AS n FROM e GROUP BY type;

-- title: trino row and try_cast
-- dialect: trino
-- sources: hive.raw.api
-- targets: iceberg.mart.api
-- columns: hive.raw.api.code -> iceberg.mart.api.status, hive.raw.api.latency -> iceberg.mart.api.latency_ms
INSERT INTO iceberg.mart.api (status, latency_ms) SELECT try_cast(code AS integer), latency * 1000 FROM hive.raw.api;

-- title: duckdb from first select
-- dialect: duckdb
-- sources: trips
-- targets:
FROM trips SELECT pickup_zone, count(*) GROUP BY ALL;

-- title: duckdb struct and list functions
-- dialect: duckdb
-- sources: raw_orders
-- targets: order_summary
-- columns: raw_orders.id -> order_summary.id, raw_orders.items -> order_summary.n_items, raw_orders.customer -> order_summary.customer_name
CREATE TABLE order_summary AS SELECT id, len(items) AS n_items, customer.name AS customer_name FROM raw_orders;

-- title: duckdb qualify and exclude with schema
-- dialect: duckdb
-- schema: {"events": ["id", "user_id", "ts", "debug"]}
-- sources: events
-- targets: latest_events
-- columns: events.id -> latest_events.id, events.user_id -> latest_events.user_id, events.ts -> latest_events.ts
CREATE TABLE latest_events AS SELECT * EXCLUDE (debug) FROM events QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY ts DESC) = 1;

-- title: duckdb attach database qualified read
-- dialect: duckdb
-- sources: warehouse.main.orders
-- targets: local_orders
-- columns: warehouse.main.orders.id -> local_orders.id
CREATE TABLE local_orders AS SELECT id FROM warehouse.main.orders;

-- title: redshift listagg and nvl
-- dialect: redshift
-- sources: public.users, public.roles
-- targets: public.user_roles
-- columns: public.users.id -> public.user_roles.user_id, public.roles.name -> public.user_roles.roles
INSERT INTO public.user_roles (user_id, roles)
SELECT u.id, LISTAGG(NVL(r.name, 'none'), ',') WITHIN GROUP (ORDER BY r.name) FROM public.users u LEFT JOIN public.roles r ON r.user_id = u.id GROUP BY u.id;

-- title: redshift spectrum external schema read
-- dialect: redshift
-- sources: spectrum.clickstream
-- targets: public.clicks_daily
-- columns: spectrum.clickstream.ts -> public.clicks_daily.day, spectrum.clickstream.id -> public.clicks_daily.clicks
CREATE TABLE public.clicks_daily AS SELECT DATE_TRUNC('day', ts) AS day, COUNT(id) AS clicks FROM spectrum.clickstream GROUP BY 1;

-- title: redshift system table
-- dialect: redshift
-- sources: sys_query_history
-- targets:
SELECT query_id, elapsed_time FROM sys_query_history WHERE status = 'success' ORDER BY start_time DESC LIMIT 100;

-- title: redshift lateral alias
-- dialect: redshift
-- sources: public.orders
-- targets: public.order_tax
-- columns: public.orders.subtotal -> public.order_tax.tax, public.orders.subtotal -> public.order_tax.total
INSERT INTO public.order_tax (tax, total) SELECT subtotal * 0.2 AS tax, subtotal + tax AS total FROM public.orders;

-- title: postgres generate series join to fill gaps
-- dialect: postgres
-- sources: public.daily_sales
-- targets: reporting.sales_filled
-- columns: public.daily_sales.amount -> reporting.sales_filled.amount
INSERT INTO reporting.sales_filled (day, amount)
SELECT d::date, coalesce(s.amount, 0) FROM generate_series('2024-01-01'::date, '2024-12-31'::date, interval '1 day') d LEFT JOIN public.daily_sales s ON s.day = d;
