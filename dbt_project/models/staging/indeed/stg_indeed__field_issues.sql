{#- Indeed values staging emptied: an appliedOnMillis that is not epoch milliseconds. The record is kept. -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with applications as (
    select * from {{ ref('stg_indeed__applications') }}
)

{{ unreadable_field_issues('applications', {
    'applied_at': ['applied_on_millis_raw', 'applied_at', 'unparseable_timestamp'],
}) }}
