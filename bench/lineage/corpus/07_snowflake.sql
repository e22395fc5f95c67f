-- Snowflake: semi-structured data, FLATTEN, QUALIFY, lateral column aliases, INSERT ALL/FIRST, case folding.
-- dialect: snowflake

-- title: variant path extraction
-- sources: raw.app.events
-- targets: marts.app.logins
-- columns: raw.app.events.payload -> marts.app.logins.user_id, raw.app.events.payload -> marts.app.logins.ip, raw.app.events.event_ts -> marts.app.logins.ts
CREATE OR REPLACE TABLE marts.app.logins AS
SELECT payload:user.id::NUMBER AS user_id, payload:ctx.ip::STRING AS ip, event_ts AS ts FROM raw.app.events WHERE payload:type = 'login';

-- title: lateral flatten of an array
-- sources: raw.shop.orders
-- targets: marts.shop.order_items
-- columns: raw.shop.orders.id -> marts.shop.order_items.order_id, raw.shop.orders.items -> marts.shop.order_items.sku, raw.shop.orders.items -> marts.shop.order_items.qty
CREATE OR REPLACE TABLE marts.shop.order_items AS
SELECT o.id AS order_id, i.value:sku::STRING AS sku, i.value:qty::INT AS qty
FROM raw.shop.orders o, LATERAL FLATTEN(input => o.items) i;

-- title: table flatten with outer
-- sources: raw.crm.contacts
-- targets: marts.crm.contact_phones
-- columns: raw.crm.contacts.id -> marts.crm.contact_phones.contact_id, raw.crm.contacts.phones -> marts.crm.contact_phones.phone
INSERT INTO marts.crm.contact_phones (contact_id, phone)
SELECT c.id, f.value::STRING FROM raw.crm.contacts c, TABLE(FLATTEN(input => c.phones, outer => TRUE)) f;

-- title: qualify dedup
-- sources: raw.cdc.customers
-- targets: staging.customers_latest
-- columns: raw.cdc.customers.id -> staging.customers_latest.id, raw.cdc.customers.email -> staging.customers_latest.email
CREATE OR REPLACE TABLE staging.customers_latest AS
SELECT id, email FROM raw.cdc.customers QUALIFY row_number() OVER (PARTITION BY id ORDER BY _loaded_at DESC) = 1;

-- title: lateral column alias
-- sources: raw.shop.orders
-- targets: marts.shop.order_margin
-- columns: raw.shop.orders.revenue -> marts.shop.order_margin.margin, raw.shop.orders.cost -> marts.shop.order_margin.margin
-- columns: raw.shop.orders.revenue -> marts.shop.order_margin.margin_pct, raw.shop.orders.cost -> marts.shop.order_margin.margin_pct
INSERT INTO marts.shop.order_margin (margin, margin_pct)
SELECT revenue - cost AS margin, margin / NULLIF(revenue, 0) AS margin_pct FROM raw.shop.orders;

-- title: upper case identifiers fold to lower
-- sources: analytics.marts.orders
-- targets: analytics.marts.order_count
-- columns: analytics.marts.orders.customer_id -> analytics.marts.order_count.customer_id
CREATE TABLE ANALYTICS.MARTS.ORDER_COUNT AS SELECT CUSTOMER_ID, COUNT(*) AS N FROM ANALYTICS.MARTS.ORDERS GROUP BY CUSTOMER_ID;

-- title: quoted upper case is the same object
-- sources: analytics.marts.orders
-- targets:
SELECT "ID" FROM "ANALYTICS"."MARTS"."ORDERS";

-- title: quoted mixed case stays distinct
-- sources: analytics.marts."OrderEvents"
-- targets:
SELECT * FROM analytics.marts."OrderEvents";

-- title: insert all unconditional
-- sources: raw.app.signups
-- targets: marts.app.users, marts.app.user_sources
-- columns: raw.app.signups.user_id -> marts.app.users.id, raw.app.signups.email -> marts.app.users.email
-- columns: raw.app.signups.user_id -> marts.app.user_sources.user_id, raw.app.signups.utm_source -> marts.app.user_sources.source
INSERT ALL
  INTO marts.app.users (id, email) VALUES (user_id, email)
  INTO marts.app.user_sources (user_id, source) VALUES (user_id, utm_source)
SELECT user_id, email, utm_source FROM raw.app.signups;

-- title: insert first conditional
-- sources: raw.pay.transactions
-- targets: marts.pay.large_tx, marts.pay.small_tx
-- columns: raw.pay.transactions.id -> marts.pay.large_tx.id, raw.pay.transactions.amount -> marts.pay.large_tx.amount
-- columns: raw.pay.transactions.id -> marts.pay.small_tx.id, raw.pay.transactions.amount -> marts.pay.small_tx.amount
INSERT FIRST
  WHEN amount > 10000 THEN INTO marts.pay.large_tx (id, amount) VALUES (id, amount)
  ELSE INTO marts.pay.small_tx (id, amount) VALUES (id, amount)
SELECT id, amount FROM raw.pay.transactions;

-- title: insert overwrite
-- sources: staging.daily_fx
-- targets: marts.fx
-- columns: staging.daily_fx.ccy -> marts.fx.currency, staging.daily_fx.rate -> marts.fx.rate
INSERT OVERWRITE INTO marts.fx (currency, rate) SELECT ccy, rate FROM staging.daily_fx;

-- title: pivot source
-- sources: raw.fin.monthly
-- targets:
SELECT * FROM raw.fin.monthly PIVOT (sum(amount) FOR month IN ('JAN', 'FEB', 'MAR')) AS p;

-- title: select from stage with file columns
-- sources: @raw.landing.csv_stage
-- targets:
SELECT $1, $2, metadata$filename FROM @raw.landing.csv_stage/2024/ (FILE_FORMAT => 'raw.landing.csv_fmt');

-- title: time travel read
-- sources: prod.core.orders
-- targets: recovery.core.orders_before_bug
-- columns: prod.core.orders.* -> recovery.core.orders_before_bug.*
CREATE TABLE recovery.core.orders_before_bug AS SELECT * FROM prod.core.orders AT (TIMESTAMP => '2024-05-01 00:00:00'::TIMESTAMP_LTZ);

-- title: select exclude with schema
-- schema: {"raw.hr.employees": ["id", "name", "ssn", "salary"]}
-- sources: raw.hr.employees
-- targets: shared.hr.employees
-- columns: raw.hr.employees.id -> shared.hr.employees.id, raw.hr.employees.name -> shared.hr.employees.name, raw.hr.employees.salary -> shared.hr.employees.salary
CREATE OR REPLACE VIEW shared.hr.employees AS SELECT * EXCLUDE (ssn) FROM raw.hr.employees;

-- title: iff and nvl
-- sources: raw.shop.customers
-- targets: marts.shop.customer_flags
-- columns: raw.shop.customers.id -> marts.shop.customer_flags.id, raw.shop.customers.orders_count -> marts.shop.customer_flags.is_repeat
-- columns: raw.shop.customers.nickname -> marts.shop.customer_flags.label, raw.shop.customers.first_name -> marts.shop.customer_flags.label
CREATE TABLE marts.shop.customer_flags AS
SELECT id, IFF(orders_count > 1, TRUE, FALSE) AS is_repeat, NVL(nickname, first_name) AS label FROM raw.shop.customers;

-- title: object construct aggregates
-- sources: raw.shop.orders
-- targets: marts.shop.customer_orders_json
-- columns: raw.shop.orders.customer_id -> marts.shop.customer_orders_json.customer_id, raw.shop.orders.id -> marts.shop.customer_orders_json.orders, raw.shop.orders.amount -> marts.shop.customer_orders_json.orders
CREATE TABLE marts.shop.customer_orders_json AS
SELECT customer_id, ARRAY_AGG(OBJECT_CONSTRUCT('id', id, 'amount', amount)) AS orders FROM raw.shop.orders GROUP BY customer_id;

-- title: information schema query
-- sources: analytics.information_schema.tables
-- targets:
SELECT table_schema, table_name, row_count FROM analytics.information_schema.tables WHERE table_type = 'BASE TABLE';

-- title: account usage query
-- sources: snowflake.account_usage.query_history
-- targets:
SELECT warehouse_name, sum(total_elapsed_time) FROM snowflake.account_usage.query_history WHERE start_time > dateadd(day, -1, current_timestamp()) GROUP BY 1;

-- title: table function over information schema is not a table
-- sources:
-- targets:
SELECT * FROM TABLE(information_schema.query_history_by_warehouse(warehouse_name => 'TRANSFORM_WH'));

-- title: call procedure
-- sources:
-- targets:
CALL analytics.admin.refresh_all('marts');

-- title: show and describe
-- sources:
-- targets:
SHOW TABLES IN SCHEMA analytics.marts;

-- title: join with using and lateral alias chain
-- sources: raw.shop.orders, raw.shop.shipments
-- targets: marts.shop.delivery
-- columns: raw.shop.orders.order_id -> marts.shop.delivery.order_id, raw.shop.shipments.delivered_at -> marts.shop.delivery.days, raw.shop.orders.created_at -> marts.shop.delivery.days
-- columns: raw.shop.shipments.delivered_at -> marts.shop.delivery.late, raw.shop.orders.created_at -> marts.shop.delivery.late
CREATE OR REPLACE TABLE marts.shop.delivery AS
SELECT o.order_id, datediff('day', o.created_at, s.delivered_at) AS days, days > 5 AS late
FROM raw.shop.orders o JOIN raw.shop.shipments s USING (order_id);

-- title: sample and tablesample
-- sources: raw.app.events
-- targets: sandbox.app.events_sample
-- columns: raw.app.events.* -> sandbox.app.events_sample.*
CREATE TABLE sandbox.app.events_sample AS SELECT * FROM raw.app.events SAMPLE (1);

-- title: match recognize is read as a source
-- sources: raw.market.ticks
-- targets:
SELECT * FROM raw.market.ticks MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY ts MEASURES FIRST(price) AS p PATTERN (a b+) DEFINE b AS price > PREV(price));

-- title: split part and regexp
-- sources: raw.web.logs
-- targets: marts.web.paths
-- columns: raw.web.logs.url -> marts.web.paths.host, raw.web.logs.url -> marts.web.paths.path
INSERT INTO marts.web.paths (host, path) SELECT split_part(url, '/', 3), regexp_substr(url, '/[^?]*$') FROM raw.web.logs;

-- title: connect by hierarchy
-- sources: raw.hr.org
-- targets:
SELECT id, name, LEVEL FROM raw.hr.org START WITH manager_id IS NULL CONNECT BY PRIOR id = manager_id;
