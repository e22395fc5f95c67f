-- MERGE, UPDATE and DELETE: the modified table is the target, never a source; SET pairs are lineage.
-- dialect: snowflake

-- title: merge upsert from table
-- sources: staging.customers
-- targets: core.customers
-- columns: staging.customers.email -> core.customers.email, staging.customers.name -> core.customers.name, staging.customers.id -> core.customers.id
MERGE INTO core.customers t USING staging.customers s ON t.id = s.id
WHEN MATCHED THEN UPDATE SET t.email = s.email, t.name = s.name
WHEN NOT MATCHED THEN INSERT (id, email, name) VALUES (s.id, s.email, s.name);

-- title: merge from subquery with dedup
-- sources: raw.cdc_orders
-- targets: core.orders
-- columns: raw.cdc_orders.status -> core.orders.status, raw.cdc_orders.order_id -> core.orders.id, raw.cdc_orders.amount -> core.orders.amount
MERGE INTO core.orders o
USING (SELECT order_id, status, amount FROM raw.cdc_orders QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY _loaded_at DESC) = 1) c
ON o.id = c.order_id
WHEN MATCHED AND c.status = 'deleted' THEN DELETE
WHEN MATCHED THEN UPDATE SET status = c.status
WHEN NOT MATCHED THEN INSERT (id, status, amount) VALUES (c.order_id, c.status, c.amount);

-- title: merge with expression in update
-- sources: staging.balances
-- targets: core.wallets
-- columns: staging.balances.delta -> core.wallets.balance, core.wallets.balance -> core.wallets.balance
MERGE INTO core.wallets w USING staging.balances b ON w.user_id = b.user_id
WHEN MATCHED THEN UPDATE SET balance = w.balance + b.delta;

-- title: merge only delete
-- sources: staging.gdpr_requests
-- targets: core.profiles
MERGE INTO core.profiles p USING staging.gdpr_requests g ON p.user_id = g.user_id WHEN MATCHED THEN DELETE;

-- title: merge using cte
-- sources: raw.prices
-- targets: core.prices
-- columns: raw.prices.price -> core.prices.price, raw.prices.sku -> core.prices.sku
MERGE INTO core.prices t
USING (WITH latest AS (SELECT sku, price FROM raw.prices WHERE is_current) SELECT sku, price FROM latest) s
ON t.sku = s.sku
WHEN MATCHED THEN UPDATE SET t.price = s.price
WHEN NOT MATCHED THEN INSERT (sku, price) VALUES (s.sku, s.price);

-- title: merge source join of two tables
-- sources: staging.orders, staging.fx
-- targets: core.orders_usd
-- columns: staging.orders.amount -> core.orders_usd.amount_usd, staging.fx.rate -> core.orders_usd.amount_usd, staging.orders.id -> core.orders_usd.id
MERGE INTO core.orders_usd t
USING (SELECT o.id, o.amount * f.rate AS amount_usd FROM staging.orders o JOIN staging.fx f ON f.currency = o.currency) s
ON t.id = s.id
WHEN MATCHED THEN UPDATE SET amount_usd = s.amount_usd
WHEN NOT MATCHED THEN INSERT (id, amount_usd) VALUES (s.id, s.amount_usd);

-- title: update with constant
-- sources:
-- targets: app.sessions
UPDATE app.sessions SET expired = TRUE WHERE last_seen < dateadd(day, -30, current_timestamp());

-- title: update from another table
-- sources: staging.addresses
-- targets: core.customers
-- columns: staging.addresses.city -> core.customers.city, staging.addresses.zip -> core.customers.zip
UPDATE core.customers c SET city = a.city, zip = a.zip FROM staging.addresses a WHERE a.customer_id = c.id;

-- title: update computed from own columns
-- sources:
-- targets: core.order_lines
-- columns: core.order_lines.qty -> core.order_lines.line_total, core.order_lines.unit_price -> core.order_lines.line_total
UPDATE core.order_lines SET line_total = qty * unit_price WHERE line_total IS NULL;

-- title: update with subquery in set
-- sources: core.payments
-- targets: core.invoices
-- columns: core.payments.amount -> core.invoices.paid
UPDATE core.invoices i SET paid = (SELECT sum(p.amount) FROM core.payments p WHERE p.invoice_id = i.id);

-- title: update with where subquery
-- sources: core.fraud_flags
-- targets: core.accounts
UPDATE core.accounts SET status = 'frozen' WHERE id IN (SELECT account_id FROM core.fraud_flags WHERE severity = 'high');

-- title: delete with where
-- sources:
-- targets: raw.events
DELETE FROM raw.events WHERE event_date < '2020-01-01';

-- title: delete with subquery
-- sources: core.deleted_users
-- targets: core.orders
DELETE FROM core.orders WHERE user_id IN (SELECT id FROM core.deleted_users);

-- title: delete using
-- sources: staging.removed
-- targets: core.items
DELETE FROM core.items USING staging.removed r WHERE core.items.id = r.item_id;

-- title: postgres update from with join
-- dialect: postgres
-- sources: billing.plans, billing.plan_changes
-- targets: billing.subscriptions
-- columns: billing.plans.price -> billing.subscriptions.price, billing.plan_changes.new_plan_id -> billing.subscriptions.plan_id
UPDATE billing.subscriptions s SET plan_id = c.new_plan_id, price = p.price
FROM billing.plan_changes c JOIN billing.plans p ON p.id = c.new_plan_id
WHERE c.subscription_id = s.id;

-- title: postgres delete using join
-- dialect: postgres
-- sources: public.bad_ips
-- targets: public.requests
DELETE FROM public.requests r USING public.bad_ips b WHERE r.ip = b.ip;

-- title: postgres delete returning
-- dialect: postgres
-- sources:
-- targets: queue.jobs
DELETE FROM queue.jobs WHERE id = 7 RETURNING payload;

-- title: postgres merge
-- dialect: postgres
-- sources: staging.stock
-- targets: public.stock
-- columns: staging.stock.qty -> public.stock.qty, staging.stock.sku -> public.stock.sku
MERGE INTO public.stock t USING staging.stock s ON t.sku = s.sku
WHEN MATCHED THEN UPDATE SET qty = s.qty
WHEN NOT MATCHED THEN INSERT (sku, qty) VALUES (s.sku, s.qty);

-- title: mysql multi-table update with join
-- dialect: mysql
-- sources: shop.price_updates
-- targets: shop.products
-- columns: shop.price_updates.new_price -> shop.products.price
UPDATE shop.products p JOIN shop.price_updates u ON u.product_id = p.id SET p.price = u.new_price;

-- title: mysql delete with limit
-- dialect: mysql
-- sources:
-- targets: shop.sessions
DELETE FROM shop.sessions WHERE expires_at < NOW() LIMIT 1000;

-- title: tsql update from join
-- dialect: tsql
-- sources: dbo.rates
-- targets: dbo.invoices
-- columns: dbo.rates.rate -> dbo.invoices.total_eur, dbo.invoices.total -> dbo.invoices.total_eur
UPDATE i SET i.total_eur = i.total * r.rate FROM dbo.invoices i JOIN dbo.rates r ON r.currency = i.currency;

-- title: tsql merge with output
-- dialect: tsql
-- sources: stg.products
-- targets: dbo.products
-- columns: stg.products.name -> dbo.products.name, stg.products.id -> dbo.products.id
MERGE dbo.products AS t USING stg.products AS s ON t.id = s.id
WHEN MATCHED THEN UPDATE SET t.name = s.name
WHEN NOT MATCHED BY TARGET THEN INSERT (id, name) VALUES (s.id, s.name)
WHEN NOT MATCHED BY SOURCE THEN DELETE;

-- title: bigquery merge with struct-free source query
-- dialect: bigquery
-- sources: proj.staging.users
-- targets: proj.core.users
-- columns: proj.staging.users.email -> proj.core.users.email, proj.staging.users.id -> proj.core.users.id
MERGE `proj.core.users` T USING (SELECT id, email FROM `proj.staging.users`) S ON T.id = S.id
WHEN MATCHED THEN UPDATE SET email = S.email
WHEN NOT MATCHED THEN INSERT (id, email) VALUES (S.id, S.email);

-- title: bigquery delete where true
-- dialect: bigquery
-- sources:
-- targets: proj.scratch.tmp_results
DELETE FROM `proj.scratch.tmp_results` WHERE TRUE;

-- title: bigquery update with from
-- dialect: bigquery
-- sources: proj.ref.countries
-- targets: proj.core.customers
-- columns: proj.ref.countries.name -> proj.core.customers.country_name
UPDATE `proj.core.customers` c SET country_name = r.name FROM `proj.ref.countries` r WHERE r.code = c.country_code;

-- title: databricks merge update set star
-- dialect: databricks
-- sources: bronze.customers_updates
-- targets: silver.customers
-- columns: bronze.customers_updates.* -> silver.customers.*
MERGE INTO silver.customers t USING bronze.customers_updates s ON t.id = s.id
WHEN MATCHED THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *;

-- title: databricks merge with schema-known star
-- dialect: databricks
-- schema: {"bronze.devices": ["id", "model", "fw"]}
-- sources: bronze.devices
-- targets: silver.devices
-- columns: bronze.devices.id -> silver.devices.id, bronze.devices.model -> silver.devices.model, bronze.devices.fw -> silver.devices.fw
MERGE INTO silver.devices t USING bronze.devices s ON t.id = s.id
WHEN MATCHED THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *;

-- title: redshift delete using
-- dialect: redshift
-- sources: staging.deletes
-- targets: public.events
DELETE FROM public.events USING staging.deletes WHERE public.events.id = staging.deletes.id;

-- title: redshift update from
-- dialect: redshift
-- sources: staging.user_scores
-- targets: public.users
-- columns: staging.user_scores.score -> public.users.score
UPDATE public.users SET score = s.score FROM staging.user_scores s WHERE public.users.id = s.user_id;

-- title: duckdb update from
-- dialect: duckdb
-- sources: corrections
-- targets: measurements
-- columns: corrections.value -> measurements.value
UPDATE measurements SET value = c.value FROM corrections c WHERE measurements.id = c.id;

-- title: trino delete
-- dialect: trino
-- sources: iceberg.ops.expired_ids
-- targets: iceberg.ops.sessions
DELETE FROM iceberg.ops.sessions WHERE id IN (SELECT id FROM iceberg.ops.expired_ids);

-- title: snowflake update with case
-- sources: ref.tiers
-- targets: core.customers
-- columns: ref.tiers.tier_name -> core.customers.tier, core.customers.spend -> core.customers.tier
UPDATE core.customers c SET tier = CASE WHEN c.spend > 10000 THEN t.tier_name ELSE 'basic' END FROM ref.tiers t WHERE t.region = c.region;
