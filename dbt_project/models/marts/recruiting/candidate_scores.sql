{#- contract: one row per candidate: how engaged they are with us now.

    Each signal earns points that halve every var('engagement_half_life_days') days:
        points = weight × 0.5 ^ (age in days / half-life)
    Signals and weights (vars): a human open of a mail (1), a click (3), attending an event (5), a reply
    to our mail (6), an application (8). Only the first open and the first click of each mail count. Opens
    SendGrid marks as machine opens (Apple Mail privacy protection), opens or clicks within
    var('bot_interaction_seconds') seconds of delivery (link scanners) and replies a machine wrote
    (out-of-office, autoresponders: stg_sendgrid__replies.is_auto_reply) are not interest and earn nothing.
    engagement_score scales the total to 0-100: 100 × (1 - 2 ^ (-points / 10)). -#}
{%- set half_life = var('engagement_half_life_days') %}
{%- set as_of = "cast('" ~ var('as_of_date') ~ "' as timestamp)" %}
{%- set bot_seconds = var('bot_interaction_seconds') %}

with candidates as (
    select candidate_id from {{ ref('candidates') }}
),

-- every email address any record of the person used, so events for an old address still count
addresses as (
    select
        email,
        candidate_id
    from {{ ref('int_candidate_emails') }}
),

events as (
    select
        coalesce(events.candidate_id, addresses.candidate_id) as candidate_id,
        events.message_id,
        events.event_type,
        events.occurred_at,
        events.is_machine_open
    from {{ ref('stg_sendgrid__events') }} as events
    left join addresses on addresses.email = events.email
),

deliveries as (
    select
        message_id,
        min(occurred_at) as delivered_at
    from events
    where event_type = 'delivered'
    group by message_id
),

human_interactions as (
    select
        events.candidate_id,
        events.event_type as signal,
        events.message_id,
        min(events.occurred_at) as occurred_at
    from events
    left join deliveries on deliveries.message_id = events.message_id
    where
        events.event_type in ('open', 'click')
        and not events.is_machine_open
        and (
            deliveries.delivered_at is null
            or {{ dbt.datediff('deliveries.delivered_at', 'events.occurred_at', 'second') }}
            > {{ bot_seconds }}
        )
    group by events.candidate_id, events.event_type, events.message_id
),

signals as (
    select
        candidate_id,
        signal,
        occurred_at
    from human_interactions
    union all
    select
        crosswalk.candidate_id,
        'attendance' as signal,
        cast(attendance.event_date as timestamp) as occurred_at
    from {{ ref('stg_attendance__attendances') }} as attendance
    inner join addresses as crosswalk on crosswalk.email = attendance.email
    where attendance.has_attended
    union all
    select
        addresses.candidate_id,
        'reply' as signal,
        replies.replied_at as occurred_at
    from {{ ref('stg_sendgrid__replies') }} as replies
    inner join addresses on addresses.email = replies.email
    where not replies.is_auto_reply
    union all
    select
        candidate_id,
        'application' as signal,
        applied_at as occurred_at
    from {{ ref('applications') }}
    where applied_at is not null
),

decayed as (
    select
        candidate_id,
        signal,
        case signal
            when 'open' then {{ var('engagement_weight_open') }}
            when 'click' then {{ var('engagement_weight_click') }}
            when 'attendance' then {{ var('engagement_weight_attendance') }}
            when 'reply' then {{ var('engagement_weight_reply') }}
            when 'application' then {{ var('engagement_weight_application') }}
        end * power(0.5, greatest({{ dbt.datediff('occurred_at', as_of, 'day') }}, 0) / {{ half_life }}.0) as points,
        occurred_at
    from signals
    where candidate_id is not null and occurred_at <= {{ as_of }}
),

per_candidate as (
    select
        candidate_id,
        sum(case when signal = 'open' then points else 0 end) as open_points,
        sum(case when signal = 'click' then points else 0 end) as click_points,
        sum(case when signal = 'attendance' then points else 0 end) as attendance_points,
        sum(case when signal = 'reply' then points else 0 end) as reply_points,
        sum(case when signal = 'application' then points else 0 end) as application_points,
        count(case when signal = 'open' then 1 end) as human_opens,
        count(case when signal = 'click' then 1 end) as human_clicks,
        count(case when signal = 'reply' then 1 end) as human_replies,
        sum(points) as total_points,
        max(occurred_at) as last_engaged_at
    from decayed
    group by candidate_id
)

select
    candidates.candidate_id,
    coalesce(per_candidate.open_points, 0) as open_points,
    coalesce(per_candidate.click_points, 0) as click_points,
    coalesce(per_candidate.attendance_points, 0) as attendance_points,
    coalesce(per_candidate.reply_points, 0) as reply_points,
    coalesce(per_candidate.application_points, 0) as application_points,
    coalesce(per_candidate.total_points, 0) as engagement_points,
    round(100 * (1 - power(2.0, -coalesce(per_candidate.total_points, 0) / 10.0)), 1) as engagement_score,
    coalesce(per_candidate.human_opens, 0) as human_opens,
    coalesce(per_candidate.human_clicks, 0) as human_clicks,
    coalesce(per_candidate.human_replies, 0) as human_replies,
    per_candidate.last_engaged_at
from candidates
left join per_candidate on per_candidate.candidate_id = candidates.candidate_id
