{#- Career Relay referrals in the canonical application shape (marts.applications): referred, for the job
    type the person wants. -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with referrals as (
    select * from {{ ref('stg_career_relay__referrals') }}
)

select
    'career_relay:' || source_record_id as application_key,
    'career_relay' as source,
    source_record_id as candidate_record_id,
    'Career Relay' as channel,
    cast(null as varchar) as job_id,
    desired_job_type as job_title,
    cast(coalesce(referred_date, cast(loaded_at as date)) as timestamp) as applied_at,
    'referred' as status,
    cast(null as varchar) as stage_name,
    cast(null as varchar) as rejection_reason,
    cast(null as timestamp) as closed_at
from referrals
