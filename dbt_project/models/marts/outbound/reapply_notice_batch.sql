{#- The re-application notices about to go out: a rejected person whose cool-off ends (the
    reapply_eligible_date of their latest rejection passed, within the last
    var('reapply_notice_window_days') days up to the run date, so a missed day is caught up), while at least
    one job of their family is open, gets one mail saying they may apply again, with their best open matches
    (reapply_notice_batch_jobs, at most 3). People who declined an offer are eligible at once (their
    reapply_eligible_date is the day they declined). Once per rejection: the ledger step is the rejected (or
    declined) application’s key. The rules of macros/outbound/may_be_mailed.sql (kind reapply_notice) decide
    who may be mailed; the send gate checks the same rules (reapply_notice_batch_checks). -#}
{%- set as_of = "cast('" ~ var('as_of_date') ~ "' as date)" -%}

with campaign as (
    {{ loop_campaign('reapply_notice') }}
),

-- the rejection that decides when the person may apply again: the one whose cool-off ends last
latest_rejection as (
    select
        candidate_id,
        application_key,
        job_family,
        status,
        closed_date,
        reapply_eligible_date
    from {{ ref('rejections') }}
    qualify row_number() over (
            partition by candidate_id
            order by reapply_eligible_date desc, closed_date desc, application_key desc
        ) = 1
),

open_families as (
    select distinct job_family
    from {{ ref('stg_jobs__job_postings') }}
    where valid_through_at >= cast({{ as_of }} as timestamp)
        and posted_date <= {{ as_of }}
        and job_family is not null
),

pool as (
    select
        candidate_id,
        pool_status
    from {{ ref('talent_pool') }}
),

segments as (
    select
        candidate_id,
        segment_key
    from {{ ref('segments') }}
),

candidates as (
    select * from {{ ref('candidates') }}
),

planned as (
    select
        latest_rejection.candidate_id,
        candidates.email,
        candidates.display_name,
        campaign.campaign_name as campaign_id,
        latest_rejection.application_key as step,
        'reapply_notice' as kind,
        {{ campaign_variant('latest_rejection.candidate_id', 'campaign.campaign_name', 'campaign.variants') }}
            as variant,
        segments.segment_key as segment,
        'ja' as language,
        campaign.frequency_cap_days,
        latest_rejection.application_key,
        latest_rejection.status as closed_as,
        latest_rejection.job_family,
        latest_rejection.closed_date,
        latest_rejection.reapply_eligible_date,
        {{ utc_now() }} as batch_built_at
    from latest_rejection
    inner join open_families on open_families.job_family = latest_rejection.job_family
    -- still in the talent pool as rejected or declined: not hired since, no application running
    inner join pool
        on pool.candidate_id = latest_rejection.candidate_id and pool.pool_status in ('rejected', 'declined')
    inner join candidates on candidates.candidate_id = latest_rejection.candidate_id
    left join segments on segments.candidate_id = latest_rejection.candidate_id
    cross join campaign
    where
        {{ catalogue_rule_holds('campaign.histories', 'pool.pool_status') }}
        and latest_rejection.reapply_eligible_date <= {{ as_of }}
        and latest_rejection.reapply_eligible_date
        > {{ dbt.dateadd('day', -(var('reapply_notice_window_days') | int), as_of) }}
)

select planned.*
from planned
inner join candidates on candidates.candidate_id = planned.candidate_id
where {{ rules_hold('reapply_notice', 'planned', 'candidates') }}
