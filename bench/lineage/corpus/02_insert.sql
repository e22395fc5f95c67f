-- INSERT in its forms. Column pairs follow the column list, else the select's output names.
-- dialect: postgres

-- title: insert values has no sources
-- sources:
-- targets: app.settings
INSERT INTO app.settings (key, value) VALUES ('theme', 'dark'), ('lang', 'en');

-- title: insert select with column list
-- sources: raw.orders
-- targets: mart.orders
-- columns: raw.orders.id -> mart.orders.order_id, raw.orders.amount -> mart.orders.amount_usd
INSERT INTO mart.orders (order_id, amount_usd) SELECT id, amount FROM raw.orders;

-- title: insert select by output names
-- sources: raw.users
-- targets: mart.users
-- columns: raw.users.id -> mart.users.user_id, raw.users.email -> mart.users.email
INSERT INTO mart.users SELECT id AS user_id, email FROM raw.users;

-- title: insert with expression combining two columns
-- sources: raw.line_items
-- targets: mart.line_totals
-- columns: raw.line_items.qty -> mart.line_totals.total, raw.line_items.unit_price -> mart.line_totals.total
-- columns: raw.line_items.order_id -> mart.line_totals.order_id
INSERT INTO mart.line_totals (order_id, total) SELECT order_id, qty * unit_price FROM raw.line_items;

-- title: insert from join with qualified columns
-- sources: raw.orders, raw.customers
-- targets: mart.order_facts
-- columns: raw.orders.id -> mart.order_facts.order_id, raw.customers.country -> mart.order_facts.country, raw.orders.amount -> mart.order_facts.amount
INSERT INTO mart.order_facts (order_id, country, amount)
SELECT o.id, c.country, o.amount FROM raw.orders o JOIN raw.customers c ON c.id = o.customer_id;

-- title: insert aggregate with group by
-- sources: raw.events
-- targets: mart.daily_events
-- columns: raw.events.occurred_at -> mart.daily_events.day, raw.events.user_id -> mart.daily_events.users
INSERT INTO mart.daily_events (day, users, events)
SELECT date_trunc('day', occurred_at), count(DISTINCT user_id), count(*) FROM raw.events GROUP BY 1;

-- title: insert through cte
-- sources: raw.payments
-- targets: mart.payment_summary
-- columns: raw.payments.customer_id -> mart.payment_summary.customer_id, raw.payments.amount -> mart.payment_summary.paid
WITH paid AS (SELECT customer_id, amount FROM raw.payments WHERE status = 'ok')
INSERT INTO mart.payment_summary (customer_id, paid) SELECT customer_id, sum(amount) FROM paid GROUP BY 1;

-- title: insert with cte after insert keyword
-- sources: raw.sessions
-- targets: mart.session_lengths
-- columns: raw.sessions.id -> mart.session_lengths.session_id, raw.sessions.ended_at -> mart.session_lengths.seconds, raw.sessions.started_at -> mart.session_lengths.seconds
INSERT INTO mart.session_lengths (session_id, seconds)
WITH s AS (SELECT id, extract(epoch FROM ended_at - started_at) AS secs FROM raw.sessions)
SELECT id, secs FROM s;

-- title: insert union of two sources
-- sources: raw.web_orders, raw.store_orders
-- targets: mart.all_orders
-- columns: raw.web_orders.id -> mart.all_orders.id, raw.store_orders.id -> mart.all_orders.id
-- columns: raw.web_orders.amount -> mart.all_orders.amount, raw.store_orders.total -> mart.all_orders.amount
INSERT INTO mart.all_orders (id, amount, channel)
SELECT id, amount, 'web' FROM raw.web_orders
UNION ALL
SELECT id, total, 'store' FROM raw.store_orders;

-- title: insert star without schema
-- sources: staging.products
-- targets: core.products
-- columns: staging.products.* -> core.products.*
INSERT INTO core.products SELECT * FROM staging.products;

-- title: insert case expression
-- sources: raw.tickets
-- targets: mart.tickets
-- columns: raw.tickets.id -> mart.tickets.id, raw.tickets.priority -> mart.tickets.severity, raw.tickets.escalated -> mart.tickets.severity
INSERT INTO mart.tickets (id, severity)
SELECT id, CASE WHEN escalated THEN 'high' WHEN priority > 3 THEN 'medium' ELSE 'low' END FROM raw.tickets;

-- title: insert with scalar subquery column
-- sources: raw.products, raw.prices
-- targets: mart.product_prices
-- columns: raw.products.id -> mart.product_prices.product_id, raw.prices.price -> mart.product_prices.latest_price
INSERT INTO mart.product_prices (product_id, latest_price)
SELECT p.id, (SELECT pr.price FROM raw.prices pr WHERE pr.product_id = p.id ORDER BY pr.valid_from DESC LIMIT 1) FROM raw.products p;

-- title: insert where-only columns are not lineage
-- sources: raw.accounts, raw.blocklist
-- targets: mart.good_accounts
-- columns: raw.accounts.id -> mart.good_accounts.id
INSERT INTO mart.good_accounts (id) SELECT a.id FROM raw.accounts a WHERE a.region = 'EU' AND a.id NOT IN (SELECT account_id FROM raw.blocklist);

-- title: insert on conflict upsert
-- sources: staging.inventory
-- targets: core.inventory
-- columns: staging.inventory.sku -> core.inventory.sku, staging.inventory.qty -> core.inventory.qty
INSERT INTO core.inventory (sku, qty) SELECT sku, qty FROM staging.inventory
ON CONFLICT (sku) DO UPDATE SET qty = excluded.qty;

-- title: insert select with window
-- sources: raw.logins
-- targets: mart.first_logins
-- columns: raw.logins.user_id -> mart.first_logins.user_id, raw.logins.logged_at -> mart.first_logins.logged_at
INSERT INTO mart.first_logins (user_id, logged_at)
SELECT user_id, logged_at FROM (SELECT user_id, logged_at, row_number() OVER (PARTITION BY user_id ORDER BY logged_at) AS rn FROM raw.logins) x WHERE rn = 1;

-- title: insert coalesce over left join
-- sources: raw.users, raw.profiles
-- targets: mart.user_names
-- columns: raw.users.id -> mart.user_names.id, raw.profiles.display_name -> mart.user_names.name, raw.users.username -> mart.user_names.name
INSERT INTO mart.user_names (id, name)
SELECT u.id, coalesce(p.display_name, u.username) FROM raw.users u LEFT JOIN raw.profiles p ON p.user_id = u.id;

-- title: insert from the same table
-- sources: audit.log
-- targets: audit.log
-- columns: audit.log.message -> audit.log.message
INSERT INTO audit.log (message, created_at) SELECT message, now() FROM audit.log WHERE created_at > now() - interval '1 day';

-- title: insert default values
-- sources:
-- targets: app.counters
INSERT INTO app.counters DEFAULT VALUES;

-- title: insert returning
-- sources: staging.signups
-- targets: app.users
-- columns: staging.signups.email -> app.users.email
INSERT INTO app.users (email) SELECT email FROM staging.signups RETURNING id;

-- title: insert with nested derived tables
-- sources: raw.clicks
-- targets: mart.click_stats
-- columns: raw.clicks.campaign -> mart.click_stats.campaign, raw.clicks.cost -> mart.click_stats.spend
INSERT INTO mart.click_stats (campaign, spend)
SELECT campaign, total FROM (SELECT campaign, sum(cost) AS total FROM (SELECT campaign, cost FROM raw.clicks WHERE valid) a GROUP BY campaign) b;

-- title: trino insert
-- dialect: trino
-- sources: hive.raw.events
-- targets: iceberg.mart.events
-- columns: hive.raw.events.id -> iceberg.mart.events.id, hive.raw.events.ts -> iceberg.mart.events.event_date
INSERT INTO iceberg.mart.events (id, event_date) SELECT id, CAST(ts AS date) FROM hive.raw.events;

-- title: mysql insert ignore
-- dialect: mysql
-- sources: shop.cart_items
-- targets: shop.order_items
-- columns: shop.cart_items.product_id -> shop.order_items.product_id, shop.cart_items.qty -> shop.order_items.quantity
INSERT IGNORE INTO shop.order_items (product_id, quantity) SELECT product_id, qty FROM shop.cart_items WHERE cart_id = 42;

-- title: mysql on duplicate key update
-- dialect: mysql
-- sources: stats.hits_today
-- targets: stats.hits
-- columns: stats.hits_today.page -> stats.hits.page, stats.hits_today.n -> stats.hits.n
INSERT INTO stats.hits (page, n) SELECT page, n FROM stats.hits_today ON DUPLICATE KEY UPDATE n = stats.hits.n + VALUES(n);

-- title: mysql replace into
-- dialect: mysql
-- sources: stage.rates
-- targets: core.rates
-- columns: stage.rates.currency -> core.rates.currency, stage.rates.rate -> core.rates.rate
REPLACE INTO core.rates (currency, rate) SELECT currency, rate FROM stage.rates;

-- title: duckdb insert by name
-- dialect: duckdb
-- sources: read_side
-- targets: write_side
-- columns: read_side.a -> write_side.a, read_side.b -> write_side.b
INSERT INTO write_side BY NAME SELECT b, a FROM read_side;

-- title: duckdb insert or replace
-- dialect: duckdb
-- sources: updates
-- targets: kv
-- columns: updates.k -> kv.k, updates.v -> kv.v
INSERT OR REPLACE INTO kv SELECT k, v FROM updates;

-- title: redshift insert with cte and filters
-- dialect: redshift
-- sources: spectrum.clicks, public.campaigns
-- targets: public.campaign_clicks
-- columns: public.campaigns.name -> public.campaign_clicks.campaign, spectrum.clicks.click_id -> public.campaign_clicks.clicks
WITH c AS (SELECT campaign_id, click_id FROM spectrum.clicks WHERE dt = '2024-05-01')
INSERT INTO public.campaign_clicks (campaign, clicks)
SELECT cp.name, count(c.click_id) FROM c JOIN public.campaigns cp ON cp.id = c.campaign_id GROUP BY cp.name;

-- title: generic insert with string functions
-- dialect: generic
-- sources: crm.contacts
-- targets: crm.contacts_clean
-- columns: crm.contacts.first_name -> crm.contacts_clean.full_name, crm.contacts.last_name -> crm.contacts_clean.full_name, crm.contacts.email -> crm.contacts_clean.email
INSERT INTO crm.contacts_clean (full_name, email) SELECT trim(first_name) || ' ' || trim(last_name), lower(email) FROM crm.contacts;

-- title: insert literal-only projection
-- sources: ops.jobs
-- targets: ops.job_runs
-- columns: ops.jobs.id -> ops.job_runs.job_id
INSERT INTO ops.job_runs (job_id, status, started_at) SELECT id, 'queued', current_timestamp FROM ops.jobs WHERE enabled;

-- title: insert with lateral join
-- sources: shop.customers, shop.orders
-- targets: mart.last_order
-- columns: shop.customers.id -> mart.last_order.customer_id, shop.orders.created_at -> mart.last_order.last_at
INSERT INTO mart.last_order (customer_id, last_at)
SELECT c.id, l.created_at FROM shop.customers c
LEFT JOIN LATERAL (SELECT o.created_at FROM shop.orders o WHERE o.customer_id = c.id ORDER BY 1 DESC LIMIT 1) l ON true;

-- title: insert distinct with string aggregation
-- sources: blog.posts, blog.tags
-- targets: blog.post_tag_list
-- columns: blog.posts.id -> blog.post_tag_list.post_id, blog.tags.name -> blog.post_tag_list.tags
INSERT INTO blog.post_tag_list (post_id, tags)
SELECT p.id, string_agg(DISTINCT t.name, ',') FROM blog.posts p JOIN blog.tags t ON t.post_id = p.id GROUP BY p.id;
