{#- contract: one row per (campaign, segment, variant): what the mail did. sends are the ledger’s rows
    written to the outbox or accepted by SendGrid; opens and clicks the mails a person opened or clicked
    (machine opens and interest within var('bot_interaction_seconds') of delivery excluded); applications
    the mails whose recipient applied within 30 days. Each rate comes with its Wilson 95% interval, and a
    variant is the winner of its campaign (and segment) only when its click-rate interval lies wholly above
    every other variant’s. segment 'all' is the whole campaign; any other segment is the one the ledger
    recorded for the recipient at send time, not the one they are in today. -#}
{%- set bot_seconds = var('bot_interaction_seconds') -%}
{%- set metric = var('campaign_winner_metric', 'click') -%}

with sends as (
    select
        ledger.candidate_id,
        ledger.campaign_id,
        ledger.step,
        coalesce(ledger.kind, 'unknown') as kind,
        coalesce(ledger.variant, 'none') as variant,
        coalesce(ledger.segment, 'unknown') as segment,
        ledger.recorded_at as sent_at,
        -- the same person’s next mail of the campaign: events after it belong to that one
        lead(ledger.recorded_at) over (
            partition by ledger.candidate_id, ledger.campaign_id
            order by ledger.recorded_at, ledger.step
        ) as next_sent_at
    from {{ ref('stg_outbox__sends') }} as ledger
    where ledger.status in ('written', 'accepted', 'sandboxed')
),

events as (
    select
        candidate_id,
        campaign_id,
        event_type,
        is_machine_open,
        occurred_at
    from {{ ref('stg_sendgrid__events') }}
    where
        candidate_id is not null
        and campaign_id is not null
        and event_type in ('delivered', 'open', 'click')
),

-- the ledger records a mail once SendGrid answered: its events may carry a slightly earlier timestamp
send_events as (
    select
        sends.candidate_id,
        sends.campaign_id,
        sends.step,
        sends.sent_at,
        events.event_type,
        events.is_machine_open,
        events.occurred_at
    from sends
    inner join events
        on
            events.candidate_id = sends.candidate_id
            and events.campaign_id = sends.campaign_id
            and events.occurred_at >= {{ dbt.dateadd('minute', -10, 'sends.sent_at') }}
            and (sends.next_sent_at is null or events.occurred_at < sends.next_sent_at)
),

delivered as (
    select
        candidate_id,
        campaign_id,
        step,
        min(occurred_at) as delivered_at
    from send_events
    where event_type = 'delivered'
    group by candidate_id, campaign_id, step
),

interest as (
    {%- set after_delivery = dbt.datediff('coalesce(delivered.delivered_at, send_events.sent_at)',
                                          'send_events.occurred_at', 'second') %}
    select
        send_events.candidate_id,
        send_events.campaign_id,
        send_events.step,
        max(
            case
                when
                    send_events.event_type = 'open' and not send_events.is_machine_open
                    and {{ after_delivery }} > {{ bot_seconds }}
                    then 1
                else 0
            end
        ) as opened,
        max(
            case
                when
                    send_events.event_type = 'click' and {{ after_delivery }} > {{ bot_seconds }}
                    then 1
                else 0
            end
        ) as clicked
    from send_events
    left join delivered
        on
            delivered.candidate_id = send_events.candidate_id
            and delivered.campaign_id = send_events.campaign_id
            and delivered.step = send_events.step
    group by send_events.candidate_id, send_events.campaign_id, send_events.step
),

applied as (
    select distinct
        sends.candidate_id,
        sends.campaign_id,
        sends.step
    from sends
    inner join {{ ref('applications') }} as applications
        on
            applications.candidate_id = sends.candidate_id
            and applications.applied_at > sends.sent_at
            and applications.applied_at <= {{ dbt.dateadd('day', 30, 'sends.sent_at') }}
),

facts as (
    select
        sends.campaign_id,
        sends.kind,
        sends.segment,
        sends.variant,
        sends.sent_at,
        coalesce(interest.opened, 0) as opened,
        coalesce(interest.clicked, 0) as clicked,
        case when applied.candidate_id is not null then 1 else 0 end as applied
    from sends
    left join interest
        on
            interest.candidate_id = sends.candidate_id
            and interest.campaign_id = sends.campaign_id
            and interest.step = sends.step
    left join applied
        on
            applied.candidate_id = sends.candidate_id
            and applied.campaign_id = sends.campaign_id
            and applied.step = sends.step
),

counts as (
    select
        campaign_id,
        max(kind) as kind,
        'all' as segment,
        variant,
        count(*) as sends,
        sum(opened) as opens,
        sum(clicked) as clicks,
        sum(applied) as applications,
        min(sent_at) as first_sent_at,
        max(sent_at) as last_sent_at
    from facts
    group by campaign_id, variant
    union all
    select
        campaign_id,
        max(kind) as kind,
        segment,
        variant,
        count(*) as sends,
        sum(opened) as opens,
        sum(clicked) as clicks,
        sum(applied) as applications,
        min(sent_at) as first_sent_at,
        max(sent_at) as last_sent_at
    from facts
    group by campaign_id, segment, variant
),

rates as (
    select
        *,
        round(cast(opens as double precision) / sends, 4) as open_rate,
        round({{ wilson_low('opens', 'sends') }}, 4) as open_rate_low,
        round({{ wilson_high('opens', 'sends') }}, 4) as open_rate_high,
        round(cast(clicks as double precision) / sends, 4) as click_rate,
        round({{ wilson_low('clicks', 'sends') }}, 4) as click_rate_low,
        round({{ wilson_high('clicks', 'sends') }}, 4) as click_rate_high,
        round(cast(applications as double precision) / sends, 4) as application_rate,
        round({{ wilson_low('applications', 'sends') }}, 4) as application_rate_low,
        round({{ wilson_high('applications', 'sends') }}, 4) as application_rate_high
    from counts
),

-- a variant wins when its interval’s low end is above every other variant’s high end
winners as (
    select
        rates.campaign_id,
        rates.segment,
        rates.variant
    from rates
    where
        rates.variant != 'none'
        and exists (
            select 1 from rates as other
            where
                other.campaign_id = rates.campaign_id
                and other.segment = rates.segment
                and other.variant != rates.variant
        )
        and not exists (
            select 1 from rates as other
            where
                other.campaign_id = rates.campaign_id
                and other.segment = rates.segment
                and other.variant != rates.variant
                and other.{{ metric }}_rate_high >= rates.{{ metric }}_rate_low
        )
)

select
    rates.campaign_id,
    rates.kind,
    rates.segment,
    rates.variant,
    rates.sends,
    rates.opens,
    rates.clicks,
    rates.applications,
    rates.open_rate,
    rates.open_rate_low,
    rates.open_rate_high,
    rates.click_rate,
    rates.click_rate_low,
    rates.click_rate_high,
    rates.application_rate,
    rates.application_rate_low,
    rates.application_rate_high,
    winners.variant as winner,
    coalesce(winners.variant = rates.variant, false) as is_winner,
    rates.first_sent_at,
    rates.last_sent_at
from rates
left join winners on winners.campaign_id = rates.campaign_id and winners.segment = rates.segment
