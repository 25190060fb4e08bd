{#- contract: one row per (open job, talent-pool candidate) for the best var('job_match_top_k') candidates
    of each open job, best first, with the reason.

    The fit score and its parts come from candidate_job_fit (every pair; the formula is there). A pair is
    a match when the person shares the job's family or at least one of its skills: living in the right
    prefecture with enough years is not a reason to suggest a salesperson for an engineering job. Ties go
    to the more engaged candidate. What interviewers said before is shown beside the match, not scored:
    the recruiter decides how much an earlier "no" for another job weighs. -#}

with relevant as (
    select
        *,
        row_number() over (
            partition by job_id
            order by fit_score desc, engagement_score desc nulls last, candidate_id
        ) as match_rank
    from {{ ref('candidate_job_fit') }}
    where is_same_job_family or shared_skill_count > 0
),

-- the interviewers' verdicts as the profile sums them up
evaluations as (
    select candidate_id, latest_recommendation, average_recommendation_score
    from {{ ref('candidate_profiles') }}
    where evaluations > 0
)

select
    relevant.job_id,
    relevant.job_title,
    relevant.candidate_id,
    relevant.pool_status,
    match_rank,
    fit_score,
    skill_points,
    job_points,
    region_points,
    experience_points,
    engagement_score,
    evaluations.latest_recommendation,
    evaluations.average_recommendation_score,
    concat_ws('; ',
        case when shared_skills is not null then 'skills: ' || shared_skills end,
        case when is_same_job_family then 'same job family' end,
        case when is_same_region then 'lives in the job''s prefecture' end,
        case when experience_points = 10 then cast(years_experience as varchar) || ' years (needs ' || cast(min_years as varchar) || ')' end
    ) as match_reason
from relevant
left join evaluations on evaluations.candidate_id = relevant.candidate_id
where match_rank <= {{ var('job_match_top_k') }}
