{#- contract: one row per (open job, talent-pool candidate): every pair, with the fit score and its parts.

    fit_score (0-100) =
        40 × skills: the job's skills the candidate has, each weighted by how rare it is in the pool
             (a rare skill such as 簿記2級 counts more than Excel; weight = ln(pool size / (1 + people with it)),
             at least 0.1)
      + 25 when the candidate's job family is the job's, plus up to 10 for how alike their desired job
             type and the job title are (Jaro-Winkler)
      + 15 when they live in the job's prefecture
      + 10 when their experience meets the job's minimum (5 when one year short).
    People in a running process are not in the pool. No model is downloaded: the similarity is computed
    from the data. Skills are matched by equality of normalised items (NFKC, lower case), so the pairs
    sharing a skill come from one equi-join and every other pair is a cross join of two small tables'
    columns: cost grows with pool size × open jobs, not with the square of the pool (5.1M pairs in about
    9 s on 2 cores at 1M source records: benchmarks/RESULTS.md). -#}
{%- set as_of = var('as_of_date') %}
{%- set skill_separator = '[[:space:]]*[,、/][[:space:]]*' %}

with open_jobs as (
    select
        job_id,
        job_title,
        job_family,
        prefecture,
        cast(floor(coalesce(min_experience_months, 0) / 12.0) as integer) as min_years,
        {{ item_set_key(nfkc('skills_raw'), skill_separator) }} as skills_key
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
        {{ item_set_key(nfkc('skills'), skill_separator) }} as skills_key
    from {{ ref('talent_pool') }}
    where pool_status <> 'in_process'
),

pool_skills as (
    select
        candidate_id,
        {{ list_items('skills_key') }} as skill
    from pool
    where skills_key is not null
),

job_skills as (
    select
        job_id,
        {{ list_items('skills_key') }} as skill
    from open_jobs
    where skills_key is not null
),

skill_holders as (
    select
        job_skills.skill,
        count(pool_skills.candidate_id) as holders
    from (select distinct skill from job_skills) as job_skills
    left join pool_skills on pool_skills.skill = job_skills.skill
    group by job_skills.skill
),

job_skill_weights as (
    select
        job_skills.job_id,
        job_skills.skill,
        greatest(ln((select count(*) from pool) * 1.0 / (1 + skill_holders.holders)), 0.1) as weight
    from job_skills
    inner join skill_holders on skill_holders.skill = job_skills.skill
),

job_skill_totals as (
    select
        job_id,
        sum(weight) as total_weight
    from job_skill_weights
    group by job_id
),

shared_skills as (
    select
        job_skill_weights.job_id,
        pool_skills.candidate_id,
        sum(job_skill_weights.weight) as shared_weight,
        count(*) as shared_skill_count,
        {{ list_distinct('job_skill_weights.skill') }} as shared_skills
    from job_skill_weights
    inner join pool_skills on pool_skills.skill = job_skill_weights.skill
    group by job_skill_weights.job_id, pool_skills.candidate_id
),

wishes as (
    select distinct desired_job_type from pool
    where desired_job_type is not null
),

titles as (
    select distinct job_title from open_jobs
    where job_title is not null
),

-- few distinct wished job types and titles: compare each combination once, not once per pair
title_similarity as (
    select
        wishes.desired_job_type,
        titles.job_title,
        coalesce(
            {{ string_similarity(
                'lower(' ~ nfkc('wishes.desired_job_type') ~ ')', 'lower(' ~ nfkc('titles.job_title') ~ ')'
            ) }},
            0
        ) as similarity
    from wishes
    cross join titles
),

scored as (
    select
        open_jobs.job_id,
        open_jobs.job_title,
        pool.candidate_id,
        pool.pool_status,
        round(40 * coalesce(shared_skills.shared_weight / nullif(job_skill_totals.total_weight, 0), 0), 1)
            as skill_points,
        case when pool.job_family = open_jobs.job_family then 25 else 0 end
        + round(10 * coalesce(title_similarity.similarity, 0), 1) as job_points,
        case when pool.prefecture = open_jobs.prefecture then 15 else 0 end as region_points,
        case
            when pool.years_experience >= open_jobs.min_years then 10
            when pool.years_experience = open_jobs.min_years - 1 then 5
            else 0
        end as experience_points,
        coalesce(shared_skills.shared_skill_count, 0) as shared_skill_count,
        shared_skills.shared_skills,
        coalesce(pool.job_family = open_jobs.job_family, false) as is_same_job_family,
        coalesce(pool.prefecture = open_jobs.prefecture, false) as is_same_region,
        pool.years_experience,
        open_jobs.min_years,
        pool.engagement_score
    from open_jobs
    cross join pool
    left join shared_skills
        on shared_skills.job_id = open_jobs.job_id and shared_skills.candidate_id = pool.candidate_id
    left join job_skill_totals on job_skill_totals.job_id = open_jobs.job_id
    left join title_similarity
        on title_similarity.desired_job_type = pool.desired_job_type
            and title_similarity.job_title = open_jobs.job_title
)

select
    job_id,
    job_title,
    candidate_id,
    pool_status,
    skill_points + job_points + region_points + experience_points as fit_score,
    skill_points,
    job_points,
    region_points,
    experience_points,
    shared_skill_count,
    shared_skills,
    is_same_job_family,
    is_same_region,
    years_experience,
    min_years,
    engagement_score,
    row_number() over (
        partition by candidate_id
        order by skill_points + job_points + region_points + experience_points desc, job_id
    ) as job_rank_for_candidate
from scored
