-- Incremental: each run adds the days after the last one loaded.
{{ config(materialized='incremental', unique_key='order_date') }}

select
    order_date,
    count(*) as order_count,
    sum(amount) as revenue
from {{ ref('orders') }}
{% if is_incremental() %}
where order_date > (select max(order_date) from {{ this }})
{% endif %}
group by order_date
