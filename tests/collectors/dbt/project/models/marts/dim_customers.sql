select
    c.customer_id,
    c.first_name,
    c.country_code,
    count(f.order_id) as order_count,
    coalesce(sum(f.amount), 0) as lifetime_value
from {{ ref('stg_customers') }} as c
left join {{ ref('fct_orders') }} as f on f.customer_id = c.customer_id
group by c.customer_id, c.first_name, c.country_code
