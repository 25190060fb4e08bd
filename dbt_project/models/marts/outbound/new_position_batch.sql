{#- The new-position alerts about to go out: when a job opens (posted in the last
    var('new_position_window_days') days up to the run date and still open), the talent-pool people it fits
    best (marts.job_matches, fit score at least var('new_position_min_fit_score')), past their cool-off, get
    one mail naming the job and why it fits them. Once per (person, job): the ledger step is the job id. One
    mail per person per run: the best-fitting new job they have not been told about; the next one waits for
    a later run (the frequency cap). The rules of macros/outbound/may_be_mailed.sql (kind new_position)
    decide who may be mailed; the send gate checks the same rules (new_position_batch_checks). -#}
{%- set as_of = "cast('" ~ var('as_of_date') ~ "' as date)" -%}

with campaign as (
    {{ loop_campaign('new_position') }}
),

new_jobs as (
    select
        job_id,
        job_title,
        job_family,
        prefecture,
        locality,
        posted_date
    from {{ ref('stg_jobs__job_postings') }}
    where posted_date <= {{ as_of }}
        and posted_date > {{ dbt.dateadd('day', -(var('new_position_window_days') | int), as_of) }}
        and valid_through_at >= cast({{ as_of }} as timestamp)
),

fit as (
    select * from {{ ref('candidate_job_fit') }}
),

matches as (
    select
        job_matches.job_id,
        job_matches.candidate_id,
        job_matches.fit_score
    from {{ ref('job_matches') }} as job_matches
    where job_matches.fit_score >= {{ var('new_position_min_fit_score') }}
),

pool as (
    select
        candidate_id,
        pool_status,
        reapply_eligible_date
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
        matches.candidate_id,
        candidates.email,
        candidates.display_name,
        campaign.campaign_name as campaign_id,
        new_jobs.job_id as step,
        'new_position' as kind,
        {{ campaign_variant('matches.candidate_id', 'campaign.campaign_name', 'campaign.variants') }} as variant,
        segments.segment_key as segment,
        'ja' as language,
        campaign.frequency_cap_days,
        new_jobs.job_id,
        new_jobs.job_title,
        new_jobs.job_family,
        concat_ws('', new_jobs.prefecture, new_jobs.locality) as job_location,
        new_jobs.posted_date,
        matches.fit_score,
        fit.shared_skills,
        fit.is_same_job_family,
        fit.is_same_region,
        fit.years_experience,
        fit.min_years,
        fit.experience_points,
        {{ utc_now() }} as batch_built_at
    from matches
    inner join new_jobs on new_jobs.job_id = matches.job_id
    inner join fit on fit.job_id = matches.job_id and fit.candidate_id = matches.candidate_id
    inner join pool on pool.candidate_id = matches.candidate_id
    inner join candidates on candidates.candidate_id = matches.candidate_id
    left join segments on segments.candidate_id = matches.candidate_id
    cross join campaign
    -- the histories the campaign is for; past the cool-off of their latest rejection (declined people: at
    -- once; never rejected: no cool-off)
    where
        {{ catalogue_rule_holds('campaign.histories', 'pool.pool_status') }}
        and (pool.reapply_eligible_date is null or pool.reapply_eligible_date <= {{ as_of }})
),

allowed as (
    select
        planned.*,
        row_number() over (
            partition by planned.candidate_id
            order by planned.fit_score desc, planned.posted_date desc, planned.job_id asc
        ) as job_rank
    from planned
    inner join candidates on candidates.candidate_id = planned.candidate_id
    where {{ rules_hold('new_position', 'planned', 'candidates') }}
)

select
    candidate_id,
    email,
    display_name,
    campaign_id,
    step,
    kind,
    variant,
    segment,
    language,
    frequency_cap_days,
    job_id,
    job_title,
    job_family,
    job_location,
    posted_date,
    fit_score,
    shared_skills,
    is_same_job_family,
    is_same_region,
    years_experience,
    min_years,
    experience_points,
    batch_built_at
from allowed
where job_rank = 1
