{#- Greenhouse values staging emptied: a birth date (custom field) that is not a date or cannot be right, a
    created_at or updated_at that is not a timestamp; an application's or scorecard's timestamps likewise.
    The record is kept. Applications and scorecards share the source name with candidates, so their ids
    are written `application:<id>` and `scorecard:<id>`: never taken for a candidate's (the crosswalk). -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with candidates as (
    select * from {{ ref('stg_greenhouse__candidates') }}
),

applications as (
    select * from {{ ref('stg_greenhouse__applications') }}
),

scorecards as (
    select * from {{ ref('stg_greenhouse__scorecards') }}
)

{{ date_field_issues('candidates', {'birth_date': ['birth_date_raw', 'birth_date']}) }}
union all
{{ unreadable_field_issues('candidates', {
    'created_at': ['created_at_raw', 'created_at', 'unparseable_timestamp'],
    'updated_at': ['updated_at_raw', 'updated_at', 'unparseable_timestamp'],
}) }}
union all
{{ unreadable_field_issues('applications', {
    'applied_at': ['applied_at_raw', 'applied_at', 'unparseable_timestamp'],
    'rejected_at': ['rejected_at_raw', 'rejected_at', 'unparseable_timestamp'],
    'last_activity_at': ['last_activity_at_raw', 'last_activity_at', 'unparseable_timestamp'],
}, source="'greenhouse'", record_id="'application:' || application_id") }}
union all
{{ unreadable_field_issues('scorecards', {
    'interviewed_at': ['interviewed_at_raw', 'interviewed_at', 'unparseable_timestamp'],
    'submitted_at': ['submitted_at_raw', 'submitted_at', 'unparseable_timestamp'],
}, source="'greenhouse'", record_id="'scorecard:' || scorecard_id") }}
