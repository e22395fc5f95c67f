{% macro create_payments_source() %}
create schema if not exists {{ target.schema }}_raw;
create table if not exists {{ target.schema }}_raw.payments (
    payment_id integer,
    order_id integer,
    method varchar(20),
    amount_cents integer
);
delete from {{ target.schema }}_raw.payments;
insert into {{ target.schema }}_raw.payments values
    (1, 1, 'card', 1250), (2, 2, 'card', 3000), (3, 3, 'voucher', 990),
    (4, 4, 'card', 4500), (5, 5, 'bank', 2000), (6, 5, 'voucher', 500);
{% endmacro %}
