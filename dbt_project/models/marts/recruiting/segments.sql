{#- contract: one row per talent-pool candidate with the segment they fall in: job family × region
    (prefecture) × experience band × history. The nurture batches are built per segment. -#}

with pool as (
    select * from {{ ref('talent_pool') }}
),

open_families as (
    select distinct job_family
    from {{ ref('stg_jobs__job_postings') }}
    where valid_through_at >= cast('{{ var("as_of_date") }}' as timestamp)
        and posted_date <= cast('{{ var("as_of_date") }}' as date)
),

banded as (
    select
        pool.candidate_id,
        coalesce(pool.job_family, 'unknown') as job_family,
        coalesce(pool.prefecture, 'unknown') as region,
        case
            when pool.years_experience is null then 'unknown'
            when pool.years_experience < 3 then '0-2 years'
            when pool.years_experience < 6 then '3-5 years'
            when pool.years_experience < 10 then '6-9 years'
            else '10+ years'
        end as experience_band,
        case pool.pool_status
            when 'declined' then 'declined'
            when 'rejected' then 'rejected_before'
            when 'prospect' then 'never_applied'
            when 'in_process' then 'in_process'
            else 'applied_before'
        end as history,
        pool.pool_status = 'rejected'
        and pool.reapply_eligible_date <= cast('{{ var("as_of_date") }}' as date)
        and open_families.job_family is not null as is_reapply_ready,
        pool.is_marketing_opt_in
    from pool
    left join open_families on open_families.job_family = pool.job_family
)

select
    *,
    job_family || ' × ' || region || ' × ' || experience_band || ' × ' || history as segment_key
from banded
