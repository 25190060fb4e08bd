{#- Agency referrals in the canonical application shape (marts.applications): referred, for the job type
    the candidate wants. -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with candidates as (
    select * from {{ ref('stg_agencies__candidates') }}
)

select
    source || ':' || source_record_id as application_key,
    source,
    source_record_id as candidate_record_id,
    'Agency' as channel,
    cast(null as varchar) as job_id,
    desired_job_type as job_title,
    cast(coalesce(referred_date, cast(loaded_at as date)) as timestamp) as applied_at,
    'referred' as status,
    cast(null as varchar) as stage_name,
    cast(null as varchar) as rejection_reason,
    cast(null as timestamp) as closed_at
from candidates
