{#- contract: one row per (month, channel, kpi): the numbers that show whether keeping candidates works.
    `value` is numerator / denominator for rates, the count otherwise. channel 'all' is every channel.

    applications           applications received (by applied month)
    reapplication_rate     share of applications from people with an earlier rejected or declined one
    hires                  hired applications (by applied month)
    referral_hire_share    share of hires that came through an agency, a referral source or Career Relay
    talent_pool_hire_share share of hires who were in the talent pool before (rejected, declined or prospect)
    relay_hire_share       share of hires introduced to us by Career Relay (channel 'Career Relay')
    open_rate, click_rate  human opens / clicks per delivered mail (machine and bot opens excluded), by
                           campaign in `channel` (e.g. nurture-2026-05-engineering)
    segment_open_rate,     the same by the recipient’s segment in `channel` (marts.segments.segment_key,
    segment_click_rate     the segment the person is in today; 'unknown' when they left the pool since
                           (hired, unsubscribed, bounced) or the address belongs to nobody we know)
    application_rate       share of a campaign’s delivered mails whose recipient applied within 30 days
    duplicate_rate         share of a source’s records that belong to a person other records also describe
    relay_referrals        registrations at Career Relay through our links (marts.relay_credits);
                           relay_free_slots: slots earned so far (1 per 10)

    target, target_direction, is_on_target: the team’s target for the KPI (seeds/kpi_targets.csv) and
    whether the value meets it (at_least: value >= target; at_most: value <= target); empty without either.
-#}

with applications as (
    select
        *,
        {{ dbt.date_trunc('month', 'applied_at') }} as month
    from {{ ref('applications') }}
    where applied_at is not null
),

earlier_closed as (
    select
        candidate_id,
        min(closed_date) as first_closed_date
    from {{ ref('rejections') }}
    group by candidate_id
),

app_facts as (
    select
        applications.month,
        applications.channel,
        applications.status,
        earlier_closed.first_closed_date is not null
        and earlier_closed.first_closed_date < cast(applications.applied_at as date) as is_reapplication,
        applications.channel in ('Agency', 'Career Relay', 'Referral', 'Employee referral') as is_referral,
        applications.channel = 'Career Relay' as is_relay
    from applications
    left join earlier_closed on earlier_closed.candidate_id = applications.candidate_id
),

app_kpis as (
    {%- for channel_expr in ['channel', "'all'"] %}
    select
        month,
        {{ channel_expr }} as channel,
        'applications' as kpi,
        count(*) * 1.0 as numerator,
        cast(null as double) as denominator
    from app_facts
    group by month, {{ channel_expr }}
    union all
    select
        month,
        {{ channel_expr }} as channel,
        'reapplication_rate' as kpi,
        count(case when is_reapplication then 1 end) as numerator,
        count(*) as denominator
    from app_facts
    group by month, {{ channel_expr }}
    union all
    select
        month,
        {{ channel_expr }} as channel,
        'hires' as kpi,
        count(case when status = 'hired' then 1 end) as numerator,
        null as denominator
    from app_facts
    group by month, {{ channel_expr }}
    union all
    select
        month,
        {{ channel_expr }} as channel,
        'referral_hire_share' as kpi,
        count(case when status = 'hired' and is_referral then 1 end) as numerator,
        count(case when status = 'hired' then 1 end) as denominator
    from app_facts
    group by month, {{ channel_expr }}
    union all
    select
        month,
        {{ channel_expr }} as channel,
        'talent_pool_hire_share' as kpi,
        count(case when status = 'hired' and is_reapplication then 1 end) as numerator,
        count(case when status = 'hired' then 1 end) as denominator
    from app_facts
    group by month, {{ channel_expr }}
    union all
    select
        month,
        {{ channel_expr }} as channel,
        'relay_hire_share' as kpi,
        count(case when status = 'hired' and is_relay then 1 end) as numerator,
        count(case when status = 'hired' then 1 end) as denominator
    from app_facts
    group by month, {{ channel_expr }}
    {{ "union all" if not loop.last }}
    {%- endfor %}
),

addresses as (
    select
        email,
        candidate_id
    from {{ ref('int_candidate_emails') }}
),

events as (
    select
        campaign_id,
        email,
        message_id,
        event_type,
        is_machine_open,
        occurred_at
    from {{ ref('stg_sendgrid__events') }}
    where campaign_id is not null
),

deliveries as (
    select
        message_id,
        campaign_id,
        min(email) as email,
        min(occurred_at) as delivered_at
    from events
    where event_type = 'delivered'
    group by message_id, campaign_id
),

applied_after_mail as (
    select distinct deliveries.message_id
    from deliveries
    inner join addresses on addresses.email = deliveries.email
    inner join {{ ref('applications') }} as applications
        on
            applications.candidate_id = addresses.candidate_id
            and applications.applied_at > deliveries.delivered_at
            and applications.applied_at <= {{ dbt.dateadd('day', 30, 'deliveries.delivered_at') }}
),

interest as (
    {%- set after_delivery = dbt.datediff('deliveries.delivered_at', 'events.occurred_at', 'second') %}
    select
        deliveries.campaign_id,
        deliveries.email,
        {{ dbt.date_trunc('month', 'deliveries.delivered_at') }} as month,
        deliveries.message_id,
        max(
            case
                when
                    events.event_type = 'open' and not events.is_machine_open
                    and {{ after_delivery }} > {{ var('bot_interaction_seconds') }}
                    then 1
                else 0
            end
        ) as opened,
        max(
            case
                when
                    events.event_type = 'click'
                    and {{ after_delivery }} > {{ var('bot_interaction_seconds') }}
                    then 1
                else 0
            end
        ) as clicked
    from deliveries
    left join events on events.message_id = deliveries.message_id
    group by
        deliveries.campaign_id,
        deliveries.email,
        {{ dbt.date_trunc('month', 'deliveries.delivered_at') }},
        deliveries.message_id
),

segment_interest as (
    select
        interest.month,
        coalesce(segments.segment_key, 'unknown') as segment_key,
        interest.opened,
        interest.clicked
    from interest
    left join addresses on addresses.email = interest.email
    left join {{ ref('segments') }} as segments on segments.candidate_id = addresses.candidate_id
),

mail_kpis as (
    select
        month,
        campaign_id as channel,
        'open_rate' as kpi,
        sum(opened) * 1.0 as numerator,
        count(*) * 1.0 as denominator
    from interest
    group by month, campaign_id
    union all
    select
        month,
        campaign_id as channel,
        'click_rate' as kpi,
        sum(clicked) as numerator,
        count(*) as denominator
    from interest
    group by month, campaign_id
    union all
    select
        interest.month,
        interest.campaign_id as channel,
        'application_rate' as kpi,
        count(applied_after_mail.message_id) as numerator,
        count(*) as denominator
    from interest
    left join applied_after_mail on applied_after_mail.message_id = interest.message_id
    group by interest.month, interest.campaign_id
    union all
    select
        month,
        segment_key as channel,
        'segment_open_rate' as kpi,
        sum(opened) as numerator,
        count(*) as denominator
    from segment_interest
    group by month, segment_key
    union all
    select
        month,
        segment_key as channel,
        'segment_click_rate' as kpi,
        sum(clicked) as numerator,
        count(*) as denominator
    from segment_interest
    group by month, segment_key
),

records as (
    select
        crosswalk.source,
        {{ dbt.date_trunc('month', 'unioned.record_date') }} as month,
        count(*) over (partition by crosswalk.candidate_id) > 1 as is_duplicate
    from {{ ref('candidate_crosswalk') }} as crosswalk
    inner join {{ ref('int_candidate_records_unioned') }} as unioned on unioned.record_key = crosswalk.record_key
),

duplicate_kpis as (
    select
        month,
        source as channel,
        'duplicate_rate' as kpi,
        count(case when is_duplicate then 1 end) * 1.0 as numerator,
        count(*) * 1.0 as denominator
    from records
    where month is not null
    group by month, source
),

relay_kpis as (
    select
        month,
        'Career Relay' as channel,
        'relay_referrals' as kpi,
        referrals * 1.0 as numerator,
        cast(null as double) as denominator
    from {{ ref('relay_credits') }}
    where company_id = '{{ var('career_relay_company_id') }}'
    union all
    select
        month,
        'Career Relay' as channel,
        'relay_free_slots' as kpi,
        slots_earned_to_date * 1.0 as numerator,
        null as denominator
    from {{ ref('relay_credits') }}
    where company_id = '{{ var('career_relay_company_id') }}'
),

all_kpis as (
    select * from app_kpis
    union all
    select * from mail_kpis
    union all
    select * from duplicate_kpis
    union all
    select * from relay_kpis
),

valued as (
    select
        cast(month as date) as month,
        channel,
        kpi,
        numerator,
        denominator,
        case
            when denominator is null then numerator
            when denominator = 0 then null
            else numerator / denominator
        end as value
    from all_kpis
)

select
    valued.month,
    valued.channel,
    valued.kpi,
    valued.numerator,
    valued.denominator,
    valued.value,
    targets.target,
    targets.direction as target_direction,
    case
        when targets.target is null or valued.value is null then null
        when targets.direction = 'at_most' then valued.value <= targets.target
        else valued.value >= targets.target
    end as is_on_target
from valued
left join {{ ref('kpi_targets') }} as targets on targets.kpi = valued.kpi
