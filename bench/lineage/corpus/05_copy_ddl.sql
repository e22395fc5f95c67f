-- COPY in both directions, UNLOAD/EXPORT, TRUNCATE, DROP, ALTER … RENAME / SWAP WITH.
-- Stages are named "@stage" (path dropped); external locations by their URL.
-- dialect: snowflake

-- title: copy into table from named stage
-- sources: @raw.landing.orders_stage
-- targets: raw.shop.orders
COPY INTO raw.shop.orders FROM @raw.landing.orders_stage/2024/05/ FILE_FORMAT = (TYPE = 'PARQUET') MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE;

-- title: copy into table from user stage
-- sources: @~
-- targets: scratch.uploads
COPY INTO scratch.uploads FROM @~/uploads/ FILE_FORMAT = (TYPE = CSV SKIP_HEADER = 1);

-- title: copy into table from external url
-- sources: s3://acme-data/events/
-- targets: raw.app.events
COPY INTO raw.app.events FROM 's3://acme-data/events/' STORAGE_INTEGRATION = s3_int FILE_FORMAT = (TYPE = JSON);

-- title: copy into table with transformation query
-- sources: @raw.landing.json_stage
-- targets: raw.app.clicks
COPY INTO raw.app.clicks (id, ts) FROM (SELECT $1:id, $1:ts FROM @raw.landing.json_stage) FILE_FORMAT = (TYPE = JSON);

-- title: copy into stage from table (unload)
-- sources: analytics.marts.orders
-- targets: @analytics.exports.orders_stage
COPY INTO @analytics.exports.orders_stage/orders/ FROM analytics.marts.orders FILE_FORMAT = (TYPE = PARQUET) OVERWRITE = TRUE;

-- title: copy into stage from query (unload)
-- sources: analytics.marts.customers, analytics.marts.orders
-- targets: @exports.partner_stage
COPY INTO @exports.partner_stage/daily/ FROM (SELECT c.id, count(o.id) FROM analytics.marts.customers c JOIN analytics.marts.orders o ON o.customer_id = c.id GROUP BY 1) HEADER = TRUE;

-- title: copy into external location from table
-- sources: analytics.marts.events
-- targets: s3://acme-exports/events/
COPY INTO 's3://acme-exports/events/' FROM analytics.marts.events STORAGE_INTEGRATION = s3_int;

-- title: truncate
-- sources:
-- targets: staging.orders
TRUNCATE TABLE staging.orders;

-- title: truncate if exists
-- sources:
-- targets: staging.customers
TRUNCATE TABLE IF EXISTS staging.customers;

-- title: drop table
-- sources:
-- targets: scratch.old_results
DROP TABLE IF EXISTS scratch.old_results;

-- title: drop view
-- sources:
-- targets: reporting.v_legacy
DROP VIEW reporting.v_legacy;

-- title: drop schema is not a table
-- sources:
-- targets:
DROP SCHEMA IF EXISTS scratch_2023 CASCADE;

-- title: alter table rename
-- sources: analytics.marts.orders_new
-- targets: analytics.marts.orders
ALTER TABLE analytics.marts.orders_new RENAME TO analytics.marts.orders;

-- title: alter table swap with
-- sources: analytics.marts.customers, analytics.marts.customers_staging
-- targets: analytics.marts.customers, analytics.marts.customers_staging
ALTER TABLE analytics.marts.customers_staging SWAP WITH analytics.marts.customers;

-- title: alter table add column
-- sources:
-- targets: analytics.marts.orders
ALTER TABLE analytics.marts.orders ADD COLUMN discount NUMBER(10, 2);

-- title: alter table cluster by
-- sources:
-- targets: raw.app.events
ALTER TABLE raw.app.events CLUSTER BY (event_date);

-- title: alter warehouse is not lineage
-- sources:
-- targets:
ALTER WAREHOUSE transform_wh SET WAREHOUSE_SIZE = 'LARGE';

-- title: postgres copy from file
-- dialect: postgres
-- sources: /data/exports/customers.csv
-- targets: public.customers
COPY public.customers (id, email) FROM '/data/exports/customers.csv' WITH (FORMAT csv, HEADER true);

-- title: postgres copy from stdin
-- dialect: postgres
-- sources:
-- targets: public.events
COPY public.events FROM STDIN WITH (FORMAT csv);

-- title: postgres copy table to file
-- dialect: postgres
-- sources: public.orders
-- targets: /tmp/orders.csv
COPY public.orders TO '/tmp/orders.csv' WITH (FORMAT csv);

-- title: postgres copy query to stdout
-- dialect: postgres
-- sources: public.orders, public.refunds
-- targets:
COPY (SELECT o.id FROM public.orders o JOIN public.refunds r ON r.order_id = o.id) TO STDOUT WITH (FORMAT csv);

-- title: postgres alter table rename keeps schema
-- dialect: postgres
-- sources: reporting.daily_new
-- targets: reporting.daily
ALTER TABLE reporting.daily_new RENAME TO daily;

-- title: postgres truncate several
-- dialect: postgres
-- sources:
-- targets: staging.a, staging.b
TRUNCATE staging.a, staging.b RESTART IDENTITY;

-- title: postgres drop several tables
-- dialect: postgres
-- sources:
-- targets: tmp_x, tmp_y
DROP TABLE tmp_x, tmp_y;

-- title: redshift copy from s3
-- dialect: redshift
-- sources: s3://acme-raw/orders/2024/
-- targets: public.orders
COPY public.orders FROM 's3://acme-raw/orders/2024/' IAM_ROLE 'arn:aws:iam::123456789012:role/loader' FORMAT AS PARQUET;

-- title: redshift unload
-- dialect: redshift
-- sources: public.orders
-- targets: s3://acme-exports/orders_
UNLOAD ('SELECT id, amount FROM public.orders WHERE created_at > ''2024-01-01''') TO 's3://acme-exports/orders_' IAM_ROLE 'arn:aws:iam::123456789012:role/unloader' PARQUET;

-- title: redshift alter table append
-- dialect: redshift
-- sources: staging.events
-- targets: public.events
ALTER TABLE public.events APPEND FROM staging.events;

-- title: bigquery export data
-- dialect: bigquery
-- sources: proj.marts.orders
-- targets: gs://acme-exports/orders/*.parquet
EXPORT DATA OPTIONS (uri = 'gs://acme-exports/orders/*.parquet', format = 'PARQUET', overwrite = true) AS
SELECT id, amount FROM `proj.marts.orders`;

-- title: bigquery truncate
-- dialect: bigquery
-- sources:
-- targets: proj.staging.events
TRUNCATE TABLE `proj.staging.events`;

-- title: bigquery alter table rename stays in its dataset
-- dialect: bigquery
-- sources: proj.marts.orders_v2
-- targets: proj.marts.orders
ALTER TABLE `proj.marts.orders_v2` RENAME TO orders;

-- title: databricks copy into
-- dialect: databricks
-- sources: s3://acme-lake/bronze/clicks/
-- targets: bronze.clicks
COPY INTO bronze.clicks FROM 's3://acme-lake/bronze/clicks/' FILEFORMAT = JSON;

-- title: tsql truncate and drop
-- dialect: tsql
-- sources:
-- targets: dbo.staging_orders, dbo.staging_lines
TRUNCATE TABLE dbo.staging_orders; DROP TABLE dbo.staging_lines;

-- title: mysql rename table
-- dialect: mysql
-- sources: shop.orders_tmp
-- targets: shop.orders
RENAME TABLE shop.orders_tmp TO shop.orders;

-- title: duckdb copy to parquet
-- dialect: duckdb
-- sources: trips
-- targets: trips.parquet
COPY trips TO 'trips.parquet' (FORMAT PARQUET);

-- title: duckdb copy from csv
-- dialect: duckdb
-- sources: zones.csv
-- targets: zones
COPY zones FROM 'zones.csv' (HEADER);
