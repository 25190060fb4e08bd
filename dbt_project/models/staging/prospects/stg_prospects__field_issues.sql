{#- Prospect values staging nulled: a found date that is not a date or cannot be right. -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with prospects as (
    select * from {{ ref('stg_prospects__prospects') }}
)

{{ date_field_issues('prospects', {'found_date': ['found_date_raw', 'event_date']}) }}
