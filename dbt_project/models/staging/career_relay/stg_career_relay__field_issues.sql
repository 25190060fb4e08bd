{#- Career Relay values staging nulled: a referral's birth or referral date that is not a date or cannot be
    right, a registration's registered_at that is not a timestamp. The record itself is kept. -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with referrals as (
    select * from {{ ref('stg_career_relay__referrals') }}
),

registrations as (
    select * from {{ ref('stg_career_relay__registrations') }}
)

{{ date_field_issues('referrals', {
    'birth_date': ['birth_date_raw', 'birth_date'],
    'referred_date': ['referred_date_raw', 'event_date'],
}) }}
union all
{{ unreadable_field_issues('registrations', {
    'registered_at': ['registered_at_raw', 'registered_at', 'unparseable_timestamp'],
}, record_id='registration_id') }}
