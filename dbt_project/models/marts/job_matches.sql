{#- contract: one row per (open job, talent-pool candidate) for the best var('job_match_top_k') candidates
    of each open job, best first, with the reason.

    fit_score (0-100) =
        40 × skills: the job's skills the candidate has, each weighted by how rare it is in the pool
             (a rare skill such as 簿記2級 counts more than Excel; weight = ln(pool size / people with it))
      + 25 when the candidate's job family is the job's, plus up to 10 for how alike their desired job
             type and the job title are (Jaro-Winkler)
      + 15 when they live in the job's prefecture
      + 10 when their experience meets the job's minimum (5 when one year short).
    Candidates are considered when they share the job family or at least one skill. Ties go to the more
    engaged candidate. No model is downloaded: the similarity is computed from the data. -#}
{%- set as_of = var('as_of_date') %}

with open_jobs as (
    select
        job_id,
        job_title,
        job_family,
        prefecture,
        cast(floor(coalesce(min_experience_months, 0) / 12.0) as integer) as min_years,
        {{ item_set_key(nfkc('skills_raw'), '[[:space:]]*[,、/][[:space:]]*') }} as skills_key
    from {{ ref('stg_jobs__job_postings') }}
    where valid_through_at >= cast('{{ as_of }}' as timestamp)
      and posted_date <= cast('{{ as_of }}' as date)
),

pool as (
    select
        candidate_id,
        pool_status,
        job_family,
        desired_job_type,
        prefecture,
        years_experience,
        engagement_score,
        {{ item_set_key(nfkc('skills'), '[[:space:]]*[,、/][[:space:]]*') }} as skills_key
    from {{ ref('talent_pool') }}
    where pool_status <> 'in_process'
),

job_skills as (
    select job_id, {{ list_items('skills_key') }} as skill
    from open_jobs
),

skill_rarity as (
    select
        job_skills.skill,
        ln((select count(*) from pool) * 1.0 / (1 + count(pool.candidate_id))) as weight
    from (select distinct skill from job_skills) as job_skills
    left join pool on {{ list_has('pool.skills_key', 'job_skills.skill') }}
    group by job_skills.skill
),

job_skill_weights as (
    select job_skills.job_id, job_skills.skill, greatest(skill_rarity.weight, 0.1) as weight
    from job_skills
    inner join skill_rarity on skill_rarity.skill = job_skills.skill
),

considered as (
    select distinct open_jobs.job_id, pool.candidate_id
    from open_jobs
    inner join pool on pool.job_family = open_jobs.job_family
    union
    select distinct job_skill_weights.job_id, pool.candidate_id
    from job_skill_weights
    inner join pool on {{ list_has('pool.skills_key', 'job_skill_weights.skill') }}
),

skill_fit as (
    select
        considered.job_id,
        considered.candidate_id,
        sum(case when {{ list_has('pool.skills_key', 'job_skill_weights.skill') }} then job_skill_weights.weight else 0 end)
            / nullif(sum(job_skill_weights.weight), 0) as skill_share,
        {{ list_distinct("case when " ~ list_has('pool.skills_key', 'job_skill_weights.skill') ~ " then job_skill_weights.skill end") }}
            as shared_skills
    from considered
    inner join pool on pool.candidate_id = considered.candidate_id
    left join job_skill_weights on job_skill_weights.job_id = considered.job_id
    group by considered.job_id, considered.candidate_id
),

scored as (
    select
        open_jobs.job_id,
        open_jobs.job_title,
        pool.candidate_id,
        pool.pool_status,
        round(40 * coalesce(skill_fit.skill_share, 0), 1) as skill_points,
        case when pool.job_family = open_jobs.job_family then 25 else 0 end
            + round(10 * coalesce({{ string_similarity('lower(' ~ nfkc('pool.desired_job_type') ~ ')', 'lower(' ~ nfkc('open_jobs.job_title') ~ ')') }}, 0), 1)
            as job_points,
        case when pool.prefecture = open_jobs.prefecture then 15 else 0 end as region_points,
        case
            when pool.years_experience >= open_jobs.min_years then 10
            when pool.years_experience = open_jobs.min_years - 1 then 5
            else 0
        end as experience_points,
        skill_fit.shared_skills,
        pool.job_family = open_jobs.job_family as is_same_job_family,
        pool.prefecture = open_jobs.prefecture as is_same_region,
        pool.years_experience,
        open_jobs.min_years,
        pool.engagement_score
    from skill_fit
    inner join open_jobs on open_jobs.job_id = skill_fit.job_id
    inner join pool on pool.candidate_id = skill_fit.candidate_id
),

ranked as (
    select
        *,
        skill_points + job_points + region_points + experience_points as fit_score,
        row_number() over (
            partition by job_id
            order by skill_points + job_points + region_points + experience_points desc,
                     engagement_score desc nulls last, candidate_id
        ) as match_rank
    from scored
)

select
    job_id,
    job_title,
    candidate_id,
    pool_status,
    match_rank,
    fit_score,
    skill_points,
    job_points,
    region_points,
    experience_points,
    engagement_score,
    concat_ws('; ',
        case when shared_skills is not null then 'skills: ' || shared_skills end,
        case when is_same_job_family then 'same job family' end,
        case when is_same_region then 'lives in the job''s prefecture' end,
        case when experience_points = 10 then cast(years_experience as varchar) || ' years (needs ' || cast(min_years as varchar) || ')' end
    ) as match_reason
from ranked
where match_rank <= {{ var('job_match_top_k') }}
