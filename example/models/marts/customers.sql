with order_totals as (
    select customer_id, count(*) as order_count, sum(amount) as lifetime_value
    from {{ ref('orders') }}
    group by customer_id
)

select
    c.customer_id,
    c.first_name,
    c.last_name,
    cc.country_name,
    coalesce(t.order_count, 0) as order_count,
    coalesce(t.lifetime_value, 0) as lifetime_value
from {{ ref('stg_customers') }} as c
left join order_totals as t on t.customer_id = c.customer_id
left join {{ ref('country_codes') }} as cc on cc.country_code = c.country_code
