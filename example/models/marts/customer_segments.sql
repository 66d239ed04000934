-- Reads both versions of dim_customers: v1 pinned, and the latest (v2).
select
    latest.customer_id,
    latest.full_name,
    pinned.first_name,
    case when c.lifetime_value >= 30 then 'high' else 'standard' end as segment
from {{ ref('dim_customers') }} as latest
join {{ ref('dim_customers', v=1) }} as pinned on pinned.customer_id = latest.customer_id
join {{ ref('customers') }} as c on c.customer_id = latest.customer_id
