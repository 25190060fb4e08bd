{#- Every application or referral, from every source, with the person it belongs to. Each source's staging
    folder emits its applications as stg_<source>__application_records (vars.sources in dbt_project.yml);
    they are unioned here by column name. -#}

with crosswalk as (
    select * from {{ ref('candidate_crosswalk') }}
),

jobs as (
    select * from {{ ref('stg_jobs__job_postings') }}
),

unioned as (
    {{ union_canonical_models('application_records', [
        'application_key',
        'source',
        'candidate_record_id',
        'channel',
        'job_id',
        'job_title',
        'applied_at',
        'status',
        'stage_name',
        'rejection_reason',
        'closed_at',
    ]) }}
)

select
    unioned.application_key,
    crosswalk.candidate_id,
    unioned.source,
    unioned.channel,
    unioned.job_id,
    unioned.job_title,
    unioned.applied_at,
    unioned.status,
    unioned.stage_name,
    unioned.rejection_reason,
    unioned.closed_at,
    jobs.job_family
from unioned
inner join crosswalk
    on crosswalk.source = unioned.source and crosswalk.source_record_id = unioned.candidate_record_id
left join jobs on jobs.job_id = unioned.job_id
