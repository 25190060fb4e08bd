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
            order by fit_score desc, engagement_score desc nulls last, candidate_id asc
        ) as match_rank
    from {{ ref('candidate_job_fit') }}
    where is_same_job_family or shared_skill_count > 0
),

-- the interviewers' verdicts as the profile sums them up
evaluations as (
    select
        candidate_id,
        latest_recommendation,
        average_recommendation_score
    from {{ ref('candidate_profiles') }}
    where evaluations > 0
)

select
    relevant.job_id,
    relevant.job_title,
    relevant.candidate_id,
    relevant.pool_status,
    relevant.match_rank,
    relevant.fit_score,
    relevant.skill_points,
    relevant.job_points,
    relevant.region_points,
    relevant.experience_points,
    relevant.engagement_score,
    evaluations.latest_recommendation,
    evaluations.average_recommendation_score,
    concat_ws(
        '; ',
        case when relevant.shared_skills is not null then 'skills: ' || relevant.shared_skills end,
        case when relevant.is_same_job_family then 'same job family' end,
        case when relevant.is_same_region then 'lives in the job''s prefecture' end,
        case
            when relevant.experience_points = 10
                then
                    cast(relevant.years_experience as varchar) || ' years (needs '
                    || cast(relevant.min_years as varchar) || ')'
        end
    ) as match_reason
from relevant
left join evaluations on evaluations.candidate_id = relevant.candidate_id
where relevant.match_rank <= {{ var('job_match_top_k') }}
