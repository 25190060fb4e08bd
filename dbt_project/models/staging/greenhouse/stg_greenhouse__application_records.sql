{#- Greenhouse applications in the canonical application shape (marts.applications), with the outcome
    read from Harvest's status and rejection reason type. -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with applications as (
    select * from {{ ref('stg_greenhouse__applications') }}
)

select
    'greenhouse:' || application_id as application_key,
    'greenhouse' as source,
    greenhouse_candidate_id as candidate_record_id,
    coalesce(channel, 'ATS') as channel,
    job_id,
    job_title,
    applied_at,
    case
        when is_hired then 'hired'
        when is_declined then 'declined'
        when is_rejected then 'rejected'
        else 'active'
    end as status,
    stage_name,
    rejection_reason,
    rejected_at as closed_at
from applications
