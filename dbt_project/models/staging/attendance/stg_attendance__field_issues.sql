{#- Attendance values staging emptied: an event_date that is not a date. The line is kept. -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with attendances as (
    select * from {{ ref('stg_attendance__attendances') }}
)

{{ unreadable_field_issues('attendances', {
    'event_date': ['event_date_raw', 'event_date', 'unparseable_date'],
}, source="'attendance'", record_id='attendance_id') }}
