{#- Addresses that must never be mailed again: hard bounces and blocks, spam reports, unsubscribes,
    and group unsubscribes not undone by a later group resubscribe. -#}

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

suppressing as (
    select email, event_type as reason, occurred_at
    from events
    where event_type in ('bounce', 'spamreport', 'unsubscribe')
       or (event_type = 'dropped' and (reason like '%Bounced%' or reason like '%Unsubscribed%'
                                      or reason like '%Spam Reporting%' or reason like '%Invalid%'))
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
