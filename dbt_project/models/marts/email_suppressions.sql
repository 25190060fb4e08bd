{#- Addresses that must never be mailed again: hard bounces and blocks, spam reports, unsubscribes,
    group unsubscribes not undone by a later group resubscribe, and the addresses of records that came back
    after their person asked to be erased (by the hash of their email or phone, flows/erase.py). -#}

with events as (
    select * from {{ ref('stg_sendgrid__events') }}
    where email is not null
),

group_state as (
    select
        email,
        max(case when event_type = 'group_unsubscribe' then occurred_at end) as last_group_unsubscribe_at,
        max(case when event_type = 'group_resubscribe' then occurred_at end) as last_group_resubscribe_at
    from events
    group by email
),

erased as (
    select kind, value_sha256 from {{ ref('stg_audit__erased_identifiers') }}
),

suppressing as (
    select email, event_type as reason, occurred_at
    from events
    where event_type in ('bounce', 'spamreport', 'unsubscribe')
       or (event_type = 'dropped' and (reason like '%Bounced%' or reason like '%Unsubscribed%'
                                      or reason like '%Spam Reporting%' or reason like '%Invalid%'))
    union all
    select keys.email, 'erasure_request' as reason, cast(null as timestamp) as occurred_at
    from {{ ref('int_candidate_match_keys') }} as keys
    where keys.email is not null
      and ({{ sha256_hex('keys.email') }} in (select value_sha256 from erased where kind = 'email')
           or (keys.phone is not null
               and {{ sha256_hex('keys.phone') }} in (select value_sha256 from erased where kind = 'phone')))
    union all
    select email, 'group_unsubscribe' as reason, last_group_unsubscribe_at as occurred_at
    from group_state
    where last_group_unsubscribe_at is not null
      and (last_group_resubscribe_at is null or last_group_resubscribe_at < last_group_unsubscribe_at)
)

select
    email,
    {{ list_distinct('reason') }} as reasons,
    min(occurred_at) as first_suppressed_at
from suppressing
group by email
