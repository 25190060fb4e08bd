{#- CSV-exported ATS candidacies in the canonical application shape (marts.applications). -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with candidates as (
    select * from {{ ref('stg_ats_csv__candidates') }}
)

select
    source || ':' || source_record_id as application_key,
    source,
    source_record_id as candidate_record_id,
    'ATS' as channel,
    cast(null as varchar) as job_id,
    job_title,
    cast(coalesce(applied_date, cast(loaded_at as date)) as timestamp) as applied_at,
    status,
    cast(null as varchar) as stage_name,
    case when status in ('rejected', 'declined') then rejection_reason end as rejection_reason,
    cast(rejected_date as timestamp) as closed_at
from candidates
