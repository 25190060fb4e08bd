{#- The nurture mail about to go out: for everyone in the nurture audience with a catalogue campaign this month
    (nurture_audience.campaign), that campaign once per calendar month (ledger key: campaign, 'YYYY-MM'), with
    their A/B variant (macro campaign_variant) and segment, for people who have not had it yet and have had
    no mail from us within the campaign's frequency cap (the nurture rules of macros/outbound/may_be_mailed.sql;
    the cap is the catalogue's frequency_cap_days, never below var nurture_frequency_cap_days). The send step
    sends exactly these rows, after the send gate has checked them against the same rules
    (nurture_batch_checks). -#}
{%- set period = var('as_of_date')[:7] -%}

with audience as (
    select * from {{ ref('nurture_audience') }}
    where campaign is not null
),

campaigns as (
    select * from {{ ref('campaigns') }}
),

candidates as (
    select * from {{ ref('candidates') }}
),

last_mail as (
    select
        candidate_id,
        max(recorded_at) as last_mailed_at
    from {{ ref('stg_outbox__sends') }}
    group by candidate_id
),

planned as (
    select
        audience.candidate_id,
        audience.email,
        audience.display_name,
        audience.segment,
        audience.campaign as campaign_id,
        '{{ period }}' as step,
        'nurture' as kind,
        {{ campaign_variant('audience.candidate_id', 'audience.campaign', 'campaigns.variants') }} as variant,
        campaigns.template,
        audience.job_family,
        audience.region,
        audience.history,
        audience.engagement_band,
        {{ greatest_of([
            "coalesce(campaigns.frequency_cap_days, " ~ (var('nurture_frequency_cap_days') | int) ~ ")",
            var('nurture_frequency_cap_days') | int | string,
        ]) }} as frequency_cap_days,
        last_mail.last_mailed_at,
        {{ utc_now() }} as batch_built_at
    from audience
    inner join campaigns on campaigns.campaign = audience.campaign
    left join last_mail on last_mail.candidate_id = audience.candidate_id
)

select planned.*
from planned
inner join candidates on candidates.candidate_id = planned.candidate_id
where {{ rules_hold('nurture', 'planned', 'candidates') }}
