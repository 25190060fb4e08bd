{#- The open jobs a re-application notice names: for each person in reapply_notice_batch, their best open
    matches (candidate_job_fit: the same job family or a shared skill), at most 3, best first, with the
    parts of the fit the mail turns into plain words. -#}

with batch as (
    select
        candidate_id,
        step
    from {{ ref('reapply_notice_batch') }}
),

jobs as (
    select
        job_id,
        prefecture,
        locality
    from {{ ref('stg_jobs__job_postings') }}
),

ranked as (
    select
        fit.*,
        row_number() over (
            partition by fit.candidate_id
            order by fit.fit_score desc, fit.engagement_score desc nulls last, fit.job_id asc
        ) as match_rank
    from {{ ref('candidate_job_fit') }} as fit
    where fit.candidate_id in (select batch.candidate_id from batch)
        and (fit.is_same_job_family or fit.shared_skill_count > 0)
)

select
    batch.candidate_id,
    batch.step,
    ranked.match_rank,
    ranked.job_id,
    ranked.job_title,
    concat_ws('', jobs.prefecture, jobs.locality) as job_location,
    ranked.fit_score,
    ranked.shared_skills,
    ranked.is_same_job_family,
    ranked.is_same_region,
    ranked.years_experience,
    ranked.min_years,
    ranked.experience_points
from batch
inner join ranked on ranked.candidate_id = batch.candidate_id
left join jobs on jobs.job_id = ranked.job_id
where ranked.match_rank <= 3
