-- Databricks, Spark SQL and Hive: INSERT OVERWRITE with partitions, LATERAL VIEW, multi-insert, Delta.
-- dialect: databricks

-- title: insert overwrite partition static
-- dialect: hive
-- sources: raw.access_logs
-- targets: mart.daily_hits
-- columns: raw.access_logs.path -> mart.daily_hits.path, raw.access_logs.ip -> mart.daily_hits.hits
INSERT OVERWRITE TABLE mart.daily_hits PARTITION (ds = '2024-05-01')
SELECT path, count(ip) AS hits FROM raw.access_logs WHERE ds = '2024-05-01' GROUP BY path;

-- title: insert overwrite dynamic partition
-- dialect: hive
-- sources: raw.events
-- targets: mart.events_by_day
-- columns: raw.events.user_id -> mart.events_by_day.user_id, raw.events.kind -> mart.events_by_day.kind, raw.events.ds -> mart.events_by_day.ds
INSERT OVERWRITE TABLE mart.events_by_day PARTITION (ds)
SELECT user_id, kind, ds FROM raw.events;

-- title: insert into table keyword
-- dialect: hive
-- sources: staging.users
-- targets: core.users
-- columns: staging.users.id -> core.users.id, staging.users.name -> core.users.name
INSERT INTO TABLE core.users SELECT id, name FROM staging.users;

-- title: lateral view explode
-- dialect: hive
-- sources: raw.posts
-- targets: mart.post_tags
-- columns: raw.posts.id -> mart.post_tags.post_id, raw.posts.tags -> mart.post_tags.tag
INSERT OVERWRITE TABLE mart.post_tags SELECT p.id AS post_id, t.tag FROM raw.posts p LATERAL VIEW explode(p.tags) t AS tag;

-- title: lateral view posexplode
-- dialect: spark
-- sources: raw.playlists
-- targets: mart.playlist_tracks
-- columns: raw.playlists.id -> mart.playlist_tracks.playlist_id, raw.playlists.tracks -> mart.playlist_tracks.pos, raw.playlists.tracks -> mart.playlist_tracks.track
INSERT INTO mart.playlist_tracks SELECT id AS playlist_id, pos, track FROM raw.playlists LATERAL VIEW posexplode(tracks) x AS pos, track;

-- title: hive multi insert from one scan
-- dialect: hive
-- sources: raw.orders
-- targets: mart.orders_paid, mart.orders_failed
-- columns: raw.orders.id -> mart.orders_paid.id, raw.orders.amount -> mart.orders_paid.amount, raw.orders.id -> mart.orders_failed.id, raw.orders.reason -> mart.orders_failed.reason
FROM raw.orders
INSERT OVERWRITE TABLE mart.orders_paid SELECT id, amount WHERE status = 'paid'
INSERT OVERWRITE TABLE mart.orders_failed SELECT id, reason WHERE status = 'failed';

-- title: spark create table using parquet as select
-- dialect: spark
-- sources: raw.clicks
-- targets: mart.clicks_parquet
-- columns: raw.clicks.* -> mart.clicks_parquet.*
CREATE TABLE mart.clicks_parquet USING PARQUET AS SELECT * FROM raw.clicks;

-- title: three level unity catalog names
-- sources: main.bronze.orders
-- targets: main.silver.orders
-- columns: main.bronze.orders.order_id -> main.silver.orders.order_id, main.bronze.orders.amount -> main.silver.orders.amount
CREATE OR REPLACE TABLE main.silver.orders AS SELECT order_id, CAST(amount AS DECIMAL(12, 2)) AS amount FROM main.bronze.orders;

-- title: delta merge with conditions
-- sources: main.bronze.customers_cdc
-- targets: main.silver.customers
-- columns: main.bronze.customers_cdc.email -> main.silver.customers.email, main.bronze.customers_cdc.id -> main.silver.customers.id
MERGE INTO main.silver.customers AS t
USING main.bronze.customers_cdc AS s ON t.id = s.id
WHEN MATCHED AND s.op = 'D' THEN DELETE
WHEN MATCHED THEN UPDATE SET t.email = s.email
WHEN NOT MATCHED AND s.op != 'D' THEN INSERT (id, email) VALUES (s.id, s.email);

-- title: insert overwrite without table keyword
-- sources: main.bronze.fx
-- targets: main.silver.fx
-- columns: main.bronze.fx.ccy -> main.silver.fx.currency, main.bronze.fx.rate -> main.silver.fx.rate
INSERT OVERWRITE main.silver.fx SELECT ccy AS currency, rate FROM main.bronze.fx;

-- title: replace where
-- sources: main.bronze.sales
-- targets: main.silver.sales
-- columns: main.bronze.sales.id -> main.silver.sales.id, main.bronze.sales.day -> main.silver.sales.day
INSERT INTO main.silver.sales REPLACE WHERE day = '2024-05-01' SELECT id, day FROM main.bronze.sales WHERE day = '2024-05-01';

-- title: higher order function transform
-- sources: main.bronze.carts
-- targets: main.silver.cart_prices
-- columns: main.bronze.carts.cart_id -> main.silver.cart_prices.cart_id, main.bronze.carts.items -> main.silver.cart_prices.prices
CREATE OR REPLACE TABLE main.silver.cart_prices AS SELECT cart_id, transform(items, x -> x.price) AS prices FROM main.bronze.carts;

-- title: struct dot access and explode in select
-- sources: main.bronze.api_calls
-- targets: main.silver.api_params
-- columns: main.bronze.api_calls.request -> main.silver.api_params.endpoint, main.bronze.api_calls.request -> main.silver.api_params.param
CREATE OR REPLACE TABLE main.silver.api_params AS SELECT request.endpoint AS endpoint, explode(request.params) AS param FROM main.bronze.api_calls;

-- title: delta time travel version
-- sources: main.silver.orders
-- targets:
SELECT count(*) FROM main.silver.orders VERSION AS OF 42;

-- title: read files at a path
-- sources: /mnt/landing/events/
-- targets: main.bronze.raw_json
CREATE TABLE main.bronze.raw_json AS SELECT * FROM json.`/mnt/landing/events/`;

-- title: spark cache table is not lineage
-- dialect: spark
-- sources:
-- targets:
CLEAR CACHE;

-- title: optimize and vacuum are maintenance on the table
-- sources:
-- targets: main.silver.events
OPTIMIZE main.silver.events ZORDER BY (user_id);

-- title: spark window with named window
-- dialect: spark
-- sources: raw.trades
-- targets: mart.trade_moving_avg
-- columns: raw.trades.symbol -> mart.trade_moving_avg.symbol, raw.trades.price -> mart.trade_moving_avg.ma, raw.trades.symbol -> mart.trade_moving_avg.ma, raw.trades.ts -> mart.trade_moving_avg.ma
INSERT OVERWRITE TABLE mart.trade_moving_avg
SELECT symbol, avg(price) OVER (PARTITION BY symbol ORDER BY ts ROWS BETWEEN 4 PRECEDING AND CURRENT ROW) AS ma FROM raw.trades;

-- title: hive create external table is a target
-- dialect: hive
-- sources:
-- targets: raw.landing_events
CREATE EXTERNAL TABLE raw.landing_events (id STRING, body STRING) PARTITIONED BY (ds STRING) STORED AS PARQUET LOCATION 's3://acme-lake/landing/events/';

-- title: hive insert overwrite directory
-- dialect: hive
-- sources: mart.daily_hits
-- targets: /tmp/export/hits
INSERT OVERWRITE DIRECTORY '/tmp/export/hits' SELECT * FROM mart.daily_hits;

-- title: spark cte with group by cube
-- dialect: spark
-- sources: raw.sales
-- targets: mart.sales_cube
-- columns: raw.sales.region -> mart.sales_cube.region, raw.sales.product -> mart.sales_cube.product, raw.sales.amount -> mart.sales_cube.total
INSERT OVERWRITE TABLE mart.sales_cube
WITH s AS (SELECT region, product, amount FROM raw.sales)
SELECT region, product, sum(amount) AS total FROM s GROUP BY CUBE (region, product);

-- title: databricks identifier clause
-- sources: main.bronze.devices
-- targets:
SELECT * FROM IDENTIFIER('main.bronze.devices');
