{#- Job posting values staging emptied: a datePosted that is not a date, a validThrough that is not a
    timestamp. The posting is kept. -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with postings as (
    select * from {{ ref('stg_jobs__job_postings') }}
)

{{ unreadable_field_issues('postings', {
    'posted_date': ['posted_date_raw', 'posted_date', 'unparseable_date'],
    'valid_through_at': ['valid_through_raw', 'valid_through_at', 'unparseable_timestamp'],
}, source="'jobs'", record_id='job_id') }}
