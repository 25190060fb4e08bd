{#- Agency values staging nulled: a birth date (生年月日) or referral date (推薦日) that is not a date or
    cannot be right. The record itself is kept. -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with candidates as (
    select * from {{ ref('stg_agencies__candidates') }}
)

{{ date_field_issues('candidates', {
    'birth_date': ['birth_date_raw', 'birth_date'],
    'referred_date': ['referred_date_raw', 'event_date'],
}) }}
