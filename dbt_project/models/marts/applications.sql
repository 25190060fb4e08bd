{#- Every application or referral, from every source, with the person it belongs to. -#}

with crosswalk as (
    select * from {{ ref('candidate_crosswalk') }}
),

jobs as (
    select * from {{ ref('stg_jobs__job_postings') }}
),

greenhouse as (
    select
        'greenhouse:' || app.application_id as application_key,
        crosswalk.candidate_id,
        'greenhouse' as source,
        coalesce(app.channel, 'ATS') as channel,
        app.job_id,
        app.job_title,
        app.applied_at,
        case
            when app.is_hired then 'hired'
            when app.is_declined then 'declined'
            when app.is_rejected then 'rejected'
            else 'active'
        end as status,
        app.stage_name,
        app.rejection_reason,
        app.rejected_at as closed_at
    from {{ ref('stg_greenhouse__applications') }} as app
    inner join crosswalk
        on crosswalk.source = 'greenhouse' and crosswalk.source_record_id = app.greenhouse_candidate_id
),

indeed as (
    select
        'indeed:' || app.source_record_id as application_key,
        crosswalk.candidate_id,
        'indeed' as source,
        'Indeed' as channel,
        app.job_id,
        app.job_title,
        app.applied_at,
        'applied' as status,
        cast(null as varchar) as stage_name,
        cast(null as varchar) as rejection_reason,
        cast(null as timestamp) as closed_at
    from {{ ref('stg_indeed__applications') }} as app
    inner join crosswalk
        on crosswalk.source = 'indeed' and crosswalk.source_record_id = app.source_record_id
),

agencies as (
    select
        app.source || ':' || app.source_record_id as application_key,
        crosswalk.candidate_id,
        app.source,
        'Agency' as channel,
        cast(null as varchar) as job_id,
        app.desired_job_type as job_title,
        cast(coalesce(app.referred_date, cast(app.loaded_at as date)) as timestamp) as applied_at,
        'referred' as status,
        cast(null as varchar) as stage_name,
        cast(null as varchar) as rejection_reason,
        cast(null as timestamp) as closed_at
    from {{ ref('stg_agencies__candidates') }} as app
    inner join crosswalk
        on crosswalk.source = app.source and crosswalk.source_record_id = app.source_record_id
),

lever as (
    select
        'lever:' || opp.source_record_id as application_key,
        crosswalk.candidate_id,
        'lever' as source,
        coalesce(opp.origin, 'ATS') as channel,
        cast(null as varchar) as job_id,
        opp.headline as job_title,
        opp.created_at as applied_at,
        opp.status,
        cast(null as varchar) as stage_name,
        case when opp.status = 'rejected' then opp.archive_reason end as rejection_reason,
        case when opp.status <> 'active' then opp.archived_at end as closed_at
    from {{ ref('stg_lever__opportunities') }} as opp
    inner join crosswalk
        on crosswalk.source = 'lever' and crosswalk.source_record_id = opp.source_record_id
),

ats_csv as (
    select
        app.source || ':' || app.source_record_id as application_key,
        crosswalk.candidate_id,
        app.source,
        'ATS' as channel,
        cast(null as varchar) as job_id,
        app.job_title,
        cast(coalesce(app.applied_date, cast(app.loaded_at as date)) as timestamp) as applied_at,
        app.status,
        cast(null as varchar) as stage_name,
        case when app.status in ('rejected', 'declined') then app.rejection_reason end as rejection_reason,
        cast(app.rejected_date as timestamp) as closed_at
    from {{ ref('stg_ats_csv__candidates') }} as app
    inner join crosswalk
        on crosswalk.source = app.source and crosswalk.source_record_id = app.source_record_id
),

career_relay as (
    select
        'career_relay:' || referral.source_record_id as application_key,
        crosswalk.candidate_id,
        'career_relay' as source,
        'Career Relay' as channel,
        cast(null as varchar) as job_id,
        referral.desired_job_type as job_title,
        cast(coalesce(referral.referred_date, cast(referral.loaded_at as date)) as timestamp) as applied_at,
        'referred' as status,
        cast(null as varchar) as stage_name,
        cast(null as varchar) as rejection_reason,
        cast(null as timestamp) as closed_at
    from {{ ref('stg_career_relay__referrals') }} as referral
    inner join crosswalk
        on crosswalk.source = 'career_relay' and crosswalk.source_record_id = referral.source_record_id
),

unioned as (
    select * from greenhouse
    union all
    select * from lever
    union all
    select * from ats_csv
    union all
    select * from indeed
    union all
    select * from agencies
    union all
    select * from career_relay
)

select
    unioned.*,
    jobs.job_family
from unioned
left join jobs on jobs.job_id = unioned.job_id
