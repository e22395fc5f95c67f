{% test positive(model, column_name) %}
-- fails on purpose: customer 5 has no orders, so a lifetime value of 0
select * from {{ model }} where {{ column_name }} <= 0
{% endtest %}
