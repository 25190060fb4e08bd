{#- Lever opportunities (one candidacy each) in the canonical application shape (marts.applications). -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with opportunities as (
    select * from {{ ref('stg_lever__opportunities') }}
)

select
    'lever:' || source_record_id as application_key,
    'lever' as source,
    source_record_id as candidate_record_id,
    coalesce(origin, 'ATS') as channel,
    cast(null as varchar) as job_id,
    headline as job_title,
    created_at as applied_at,
    status,
    cast(null as varchar) as stage_name,
    case when status = 'rejected' then archive_reason end as rejection_reason,
    case when status <> 'active' then archived_at end as closed_at
from opportunities
