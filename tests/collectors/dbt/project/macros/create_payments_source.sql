{% macro create_payments_source() %}
create schema if not exists {{ target.schema }}_raw;
drop table if exists {{ target.schema }}_raw.payments;
create table {{ target.schema }}_raw.payments (
    payment_id integer,
    order_id integer,
    method varchar(20),
    amount_cents integer,
    loaded_at timestamp
);
insert into {{ target.schema }}_raw.payments values
    (1, 1, 'card', 1250, current_timestamp), (2, 2, 'card', 3000, current_timestamp),
    (3, 3, 'voucher', 990, current_timestamp), (4, 4, 'card', 4500, current_timestamp),
    (5, 5, 'bank', 2000, current_timestamp), (6, 5, 'voucher', 500, current_timestamp);
{% endmacro %}
