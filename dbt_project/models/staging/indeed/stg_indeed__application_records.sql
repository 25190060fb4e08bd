{#- Indeed Apply applications in the canonical application shape (marts.applications): applied, with no
    outcome (Indeed does not report one). -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with applications as (
    select * from {{ ref('stg_indeed__applications') }}
)

select
    'indeed:' || source_record_id as application_key,
    'indeed' as source,
    source_record_id as candidate_record_id,
    'Indeed' as channel,
    job_id,
    job_title,
    applied_at,
    'applied' as status,
    cast(null as varchar) as stage_name,
    cast(null as varchar) as rejection_reason,
    cast(null as timestamp) as closed_at
from applications
