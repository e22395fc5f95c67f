-- Plain queries: they read tables and write none, so they carry no column pairs.
-- dialect: postgres

-- title: single table with filter
-- sources: public.orders
-- targets:
SELECT id, amount FROM public.orders WHERE status = 'paid';

-- title: unqualified table
-- sources: orders
SELECT count(*) FROM orders;

-- title: inner join with aliases
-- sources: shop.orders, shop.customers
SELECT o.id, c.email FROM shop.orders o JOIN shop.customers c ON c.id = o.customer_id;

-- title: three-part names and left join
-- sources: analytics.core.events, analytics.core.sessions
SELECT e.event_id, s.session_start
FROM analytics.core.events AS e
LEFT JOIN analytics.core.sessions AS s ON s.session_id = e.session_id;

-- title: derived table
-- sources: billing.invoices
SELECT x.customer_id, x.total FROM (SELECT customer_id, sum(amount) AS total FROM billing.invoices GROUP BY 1) x WHERE x.total > 100;

-- title: cte is not a source
-- sources: raw.page_views
WITH daily AS (SELECT date_trunc('day', viewed_at) AS d, count(*) AS n FROM raw.page_views GROUP BY 1)
SELECT d, n FROM daily ORDER BY d;

-- title: two ctes, second reads first
-- sources: raw.users, raw.signups
WITH u AS (SELECT id, country FROM raw.users), s AS (SELECT u.country, count(*) AS c FROM raw.signups g JOIN u ON u.id = g.user_id GROUP BY 1)
SELECT * FROM s;

-- title: cte shadows a real table name
-- sources: staging.orders
WITH orders AS (SELECT * FROM staging.orders WHERE amount > 0)
SELECT count(*) FROM orders;

-- title: subquery in where
-- sources: sales.deals, sales.reps
SELECT d.id FROM sales.deals d WHERE d.rep_id IN (SELECT r.id FROM sales.reps r WHERE r.region = 'EMEA');

-- title: exists subquery
-- sources: crm.accounts, crm.contacts
SELECT a.name FROM crm.accounts a WHERE EXISTS (SELECT 1 FROM crm.contacts c WHERE c.account_id = a.id);

-- title: scalar subquery in select list
-- sources: hr.employees, hr.departments
SELECT e.name, (SELECT d.name FROM hr.departments d WHERE d.id = e.dept_id) AS dept FROM hr.employees e;

-- title: union all of three tables
-- sources: logs.web_2023, logs.web_2024, logs.web_2025
SELECT url FROM logs.web_2023 UNION ALL SELECT url FROM logs.web_2024 UNION ALL SELECT url FROM logs.web_2025;

-- title: intersect and except
-- sources: a.users_active, a.users_paid, a.users_banned
(SELECT user_id FROM a.users_active INTERSECT SELECT user_id FROM a.users_paid) EXCEPT SELECT user_id FROM a.users_banned;

-- title: window functions
-- sources: finance.payments
SELECT customer_id, amount, row_number() OVER (PARTITION BY customer_id ORDER BY paid_at DESC) AS rn,
       sum(amount) OVER (PARTITION BY customer_id) AS lifetime
FROM finance.payments;

-- title: self join
-- sources: org.people
SELECT p.name, m.name AS manager FROM org.people p LEFT JOIN org.people m ON m.id = p.manager_id;

-- title: cross join with generate_series is not a table
-- sources: ops.servers
SELECT s.host, g.n FROM ops.servers s CROSS JOIN generate_series(1, 24) AS g(n);

-- title: lateral subquery
-- sources: shop.customers, shop.orders
SELECT c.id, last_o.amount FROM shop.customers c
CROSS JOIN LATERAL (SELECT o.amount FROM shop.orders o WHERE o.customer_id = c.id ORDER BY o.created_at DESC LIMIT 1) last_o;

-- title: quoted mixed-case identifiers keep their case
-- sources: "Reporting"."MonthlyKPIs"
SELECT "Month", "Revenue" FROM "Reporting"."MonthlyKPIs";

-- title: quoted lower-case identifiers fold
-- sources: reporting.kpis
SELECT "month" FROM "reporting"."kpis";

-- title: nested ctes inside subquery
-- sources: raw.a, raw.b
SELECT * FROM (WITH x AS (SELECT id FROM raw.a) SELECT x.id FROM x JOIN raw.b ON raw.b.id = x.id) q;

-- title: recursive cte over a hierarchy
-- sources: org.units
WITH RECURSIVE tree AS (
  SELECT id, parent_id, name, 1 AS depth FROM org.units WHERE parent_id IS NULL
  UNION ALL
  SELECT u.id, u.parent_id, u.name, t.depth + 1 FROM org.units u JOIN tree t ON u.parent_id = t.id
)
SELECT * FROM tree;

-- title: values list as a relation
-- sources: geo.countries
SELECT c.name, v.code FROM (VALUES ('DE'), ('FR')) AS v(code) JOIN geo.countries c ON c.iso = v.code;

-- title: case expression and casts
-- sources: pay.transactions
SELECT CASE WHEN amount::numeric > 100 THEN 'big' ELSE 'small' END AS bucket, CAST(created_at AS date) AS d FROM pay.transactions;

-- title: group by having with subquery
-- sources: stock.items, stock.thresholds
SELECT sku, sum(qty) FROM stock.items GROUP BY sku HAVING sum(qty) < (SELECT min(level) FROM stock.thresholds);

-- title: json operators
-- sources: app.events
SELECT payload->>'user_id' AS user_id, payload->'ctx'->>'ip' AS ip FROM app.events WHERE kind = 'login';

-- title: distinct on with order
-- sources: app.sessions
SELECT DISTINCT ON (user_id) user_id, started_at FROM app.sessions ORDER BY user_id, started_at DESC;

-- title: select without from
-- sources:
SELECT 1 + 1 AS two, now() AS ts;

-- title: join using
-- sources: dim.dates, fact.sales
SELECT d.month, sum(f.revenue) FROM fact.sales f JOIN dim.dates d USING (date_key) GROUP BY d.month;

-- title: full outer join of subqueries
-- sources: inv.stock_a, inv.stock_b
SELECT coalesce(a.sku, b.sku) AS sku FROM (SELECT sku FROM inv.stock_a) a FULL OUTER JOIN (SELECT sku FROM inv.stock_b) b ON a.sku = b.sku;

-- title: anti join via not in with cte
-- sources: mkt.leads, mkt.unsubscribed
WITH unsub AS (SELECT email FROM mkt.unsubscribed)
SELECT email FROM mkt.leads WHERE email NOT IN (SELECT email FROM unsub);
