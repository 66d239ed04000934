select customer_id, first_name, last_name, dbt_valid_from, dbt_valid_to
from {{ ref('customers_snapshot') }}
