{#- Greenhouse values staging nulled: a birth date (custom field) that is not a date or cannot be right. -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with candidates as (
    select * from {{ ref('stg_greenhouse__candidates') }}
)

{{ date_field_issues('candidates', {'birth_date': ['birth_date_raw', 'birth_date']}) }}
