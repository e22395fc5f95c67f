-- Cases where column lineage needs to know the tables' columns. With a schema line the answer is
-- knowable from the text; without one, the labels are still the truth (what the database does),
-- which a parser can only reach by guessing.
-- dialect: snowflake

-- title: star expanded by schema
-- schema: {"raw.shop.orders": ["id", "customer_id", "amount"]}
-- sources: raw.shop.orders
-- targets: marts.orders
-- columns: raw.shop.orders.id -> marts.orders.id, raw.shop.orders.customer_id -> marts.orders.customer_id, raw.shop.orders.amount -> marts.orders.amount
CREATE TABLE marts.orders AS SELECT * FROM raw.shop.orders;

-- title: qualified star expanded in a join
-- schema: {"raw.shop.orders": ["id", "amount"], "raw.shop.customers": ["id", "email", "country"]}
-- sources: raw.shop.orders, raw.shop.customers
-- targets: marts.order_customers
-- columns: raw.shop.orders.id -> marts.order_customers.id, raw.shop.orders.amount -> marts.order_customers.amount, raw.shop.customers.email -> marts.order_customers.email
CREATE TABLE marts.order_customers AS SELECT o.*, c.email FROM raw.shop.orders o JOIN raw.shop.customers c ON c.id = o.customer_id;

-- title: unqualified columns resolved by schema in a join
-- schema: {"raw.crm.deals": ["deal_id", "account_id", "value"], "raw.crm.accounts": ["account_id", "account_name", "industry"]}
-- sources: raw.crm.deals, raw.crm.accounts
-- targets: marts.deals
-- columns: raw.crm.deals.deal_id -> marts.deals.deal_id, raw.crm.accounts.account_name -> marts.deals.account_name, raw.crm.deals.value -> marts.deals.value, raw.crm.accounts.industry -> marts.deals.industry
INSERT INTO marts.deals (deal_id, account_name, value, industry)
SELECT deal_id, account_name, value, industry FROM raw.crm.deals JOIN raw.crm.accounts USING (account_id);

-- title: insert positional into schema-known target
-- schema: {"marts.kpis": ["day", "revenue", "orders"]}
-- sources: raw.shop.orders
-- targets: marts.kpis
-- columns: raw.shop.orders.created_at -> marts.kpis.day, raw.shop.orders.amount -> marts.kpis.revenue, raw.shop.orders.id -> marts.kpis.orders
INSERT INTO marts.kpis SELECT to_date(created_at), sum(amount), count(id) FROM raw.shop.orders GROUP BY 1;

-- title: star through cte with schema
-- schema: {"raw.app.users": ["id", "email", "plan"]}
-- sources: raw.app.users
-- targets: marts.paid_users
-- columns: raw.app.users.id -> marts.paid_users.id, raw.app.users.email -> marts.paid_users.email, raw.app.users.plan -> marts.paid_users.plan
CREATE VIEW marts.paid_users AS WITH u AS (SELECT * FROM raw.app.users WHERE plan <> 'free') SELECT * FROM u;

-- title: schema given with nested mapping
-- schema: {"raw": {"hr": {"people": {"id": "int", "name": "text", "team": "text"}}}}
-- sources: raw.hr.people
-- targets: marts.people
-- columns: raw.hr.people.id -> marts.people.id, raw.hr.people.name -> marts.people.name, raw.hr.people.team -> marts.people.team
CREATE TABLE marts.people AS SELECT * FROM raw.hr.people;

-- title: schema keyed by short name
-- schema: {"events": ["id", "kind"]}
-- sources: raw.app.events
-- targets: marts.events
-- columns: raw.app.events.id -> marts.events.id, raw.app.events.kind -> marts.events.kind
CREATE TABLE marts.events AS SELECT * FROM raw.app.events;

-- title: star of a cte over a star with schema
-- schema: {"raw.fin.invoices": ["id", "total"]}
-- sources: raw.fin.invoices
-- targets: marts.invoices
-- columns: raw.fin.invoices.id -> marts.invoices.id, raw.fin.invoices.total -> marts.invoices.total, raw.fin.invoices.total -> marts.invoices.total_with_tax
CREATE TABLE marts.invoices AS WITH i AS (SELECT * FROM raw.fin.invoices) SELECT *, total * 1.2 AS total_with_tax FROM i;

-- title: unqualified columns from a single table need no schema
-- sources: raw.web.sessions
-- targets: marts.sessions
-- columns: raw.web.sessions.session_id -> marts.sessions.session_id, raw.web.sessions.duration -> marts.sessions.minutes
CREATE TABLE marts.sessions AS SELECT session_id, duration / 60 AS minutes FROM raw.web.sessions;

-- title: column from subquery outputs needs no schema
-- sources: raw.web.sessions, raw.web.users
-- targets: marts.user_sessions
-- columns: raw.web.users.name -> marts.user_sessions.name, raw.web.sessions.n -> marts.user_sessions.sessions
CREATE TABLE marts.user_sessions AS
SELECT name, sessions FROM raw.web.users u JOIN (SELECT user_id, sum(n) AS sessions FROM raw.web.sessions GROUP BY 1) s ON s.user_id = u.id;

-- title: unqualified join columns without schema
-- sources: raw.crm.deals, raw.crm.accounts
-- targets: marts.deal_names
-- columns: raw.crm.deals.deal_id -> marts.deal_names.deal_id, raw.crm.accounts.account_name -> marts.deal_names.account_name
INSERT INTO marts.deal_names (deal_id, account_name)
SELECT deal_id, account_name FROM raw.crm.deals d JOIN raw.crm.accounts a ON a.account_id = d.account_id;

-- title: star of a join without schema
-- sources: raw.shop.orders, raw.shop.customers
-- targets: marts.wide_orders
-- columns: raw.shop.orders.* -> marts.wide_orders.*, raw.shop.customers.* -> marts.wide_orders.*
CREATE TABLE marts.wide_orders AS SELECT * FROM raw.shop.orders o JOIN raw.shop.customers c ON c.id = o.customer_id;

-- title: unqualified column in a three-way join without schema
-- sources: raw.shop.orders, raw.shop.customers, raw.shop.regions
-- targets: marts.order_regions
-- columns: raw.shop.orders.id -> marts.order_regions.order_id, raw.shop.regions.region_name -> marts.order_regions.region_name
CREATE TABLE marts.order_regions AS
SELECT o.id AS order_id, region_name FROM raw.shop.orders o JOIN raw.shop.customers c ON c.id = o.customer_id JOIN raw.shop.regions r ON r.id = c.region_id;

-- title: insert select star into table with column list
-- schema: {"staging.tmp_prices": ["sku", "price"]}
-- sources: staging.tmp_prices
-- targets: core.prices
-- columns: staging.tmp_prices.sku -> core.prices.product_sku, staging.tmp_prices.price -> core.prices.list_price
INSERT INTO core.prices (product_sku, list_price) SELECT * FROM staging.tmp_prices;

-- title: correlated reference to outer column
-- schema: {"raw.shop.products": ["id", "name"], "raw.shop.reviews": ["product_id", "stars"]}
-- sources: raw.shop.products, raw.shop.reviews
-- targets: marts.product_ratings
-- columns: raw.shop.products.name -> marts.product_ratings.name, raw.shop.reviews.stars -> marts.product_ratings.rating
CREATE TABLE marts.product_ratings AS
SELECT name, (SELECT avg(stars) FROM raw.shop.reviews WHERE product_id = id) AS rating FROM raw.shop.products;

-- title: union with star and schema
-- schema: {"raw.eu.users": ["id", "email"], "raw.us.users": ["id", "email"]}
-- sources: raw.eu.users, raw.us.users
-- targets: marts.users
-- columns: raw.eu.users.id -> marts.users.id, raw.us.users.id -> marts.users.id, raw.eu.users.email -> marts.users.email, raw.us.users.email -> marts.users.email
CREATE TABLE marts.users AS SELECT * FROM raw.eu.users UNION ALL SELECT * FROM raw.us.users;

-- title: table alias column list renames
-- sources: raw.geo.points
-- targets: marts.points
-- columns: raw.geo.points.lat -> marts.points.y, raw.geo.points.lon -> marts.points.x
CREATE TABLE marts.points AS SELECT p.y, p.x FROM (SELECT lat, lon FROM raw.geo.points) AS p (y, x);

-- title: cte column list renames
-- sources: raw.geo.cities
-- targets: marts.cities
-- columns: raw.geo.cities.name -> marts.cities.city, raw.geo.cities.pop -> marts.cities.population
CREATE TABLE marts.cities AS WITH c (city, population) AS (SELECT name, pop FROM raw.geo.cities) SELECT city, population FROM c;
