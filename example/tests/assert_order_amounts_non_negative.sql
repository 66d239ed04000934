-- Singular test: no order may have a negative amount.
select order_id, amount
from {{ ref('orders') }}
where amount < 0
