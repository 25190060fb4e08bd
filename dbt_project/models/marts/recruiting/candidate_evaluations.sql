{#- contract: one row per interview evaluation (Greenhouse scorecard), with the person it belongs to and the
    job of the application it was written for. -#}

with crosswalk as (
    select
        source_record_id,
        candidate_id
    from {{ ref('candidate_crosswalk') }}
    where source = 'greenhouse'
),

applications as (
    select
        application_key,
        job_id,
        job_title
    from {{ ref('applications') }}
    where source = 'greenhouse'
)

select
    scorecards.scorecard_id,
    crosswalk.candidate_id,
    'greenhouse:' || scorecards.application_id as application_key,
    applications.job_id,
    applications.job_title,
    scorecards.interview,
    scorecards.interviewed_at,
    scorecards.submitted_at,
    scorecards.overall_recommendation,
    scorecards.recommendation_score,
    scorecards.strengths,
    scorecards.concerns
from {{ ref('stg_greenhouse__scorecards') }} as scorecards
inner join crosswalk on crosswalk.source_record_id = scorecards.greenhouse_candidate_id
left join applications on applications.application_key = 'greenhouse:' || scorecards.application_id
