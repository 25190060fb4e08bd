{#- ATS CSV values staging nulled: a birth, application or rejection date that is not a date or cannot be
    right. The record itself is kept. -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with candidates as (
    select * from {{ ref('stg_ats_csv__candidates') }}
)

{{ date_field_issues('candidates', {
    'birth_date': ['birth_date_raw', 'birth_date'],
    'applied_date': ['applied_date_raw', 'event_date'],
    'rejected_date': ['rejected_date_raw', 'event_date'],
}) }}
