{#- Career Relay values staging nulled: a birth or referral date that is not a date or cannot be right. -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with referrals as (
    select * from {{ ref('stg_career_relay__referrals') }}
)

{{ date_field_issues('referrals', {
    'birth_date': ['birth_date_raw', 'birth_date'],
    'referred_date': ['referred_date_raw', 'event_date'],
}) }}
