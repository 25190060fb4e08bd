{#- SendGrid values staging emptied: an event's `timestamp` that is not epoch seconds, a reply's received_at
    or sent_at that is not a timestamp. The event or reply is kept. -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with events as (
    select * from {{ ref('stg_sendgrid__events') }}
),

replies as (
    select * from {{ ref('stg_sendgrid__replies') }}
)

{{ unreadable_field_issues('events', {
    'occurred_at': ['timestamp_raw', 'occurred_at', 'unparseable_timestamp'],
}, source="'sendgrid'", record_id='event_id') }}
union all
{{ unreadable_field_issues('replies', {
    'received_at': ['received_at_raw', 'received_at', 'unparseable_timestamp'],
    'sent_at': ['sent_at_raw', 'sent_at', 'unparseable_timestamp'],
}, source="'sendgrid'", record_id='reply_id') }}
