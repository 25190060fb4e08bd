{#- Values a source sent that could not be right, one row per record and field, for whoever fixes the
    source: the record landed and counts, the field is empty in the warehouse (the raw record keeps what
    was sent). The person the record belongs to is named by candidate id, never by the value. -#}

with issues as (
    select * from {{ ref('int_field_issues_collected') }}
),

crosswalk as (
    select record_key, candidate_id from {{ ref('candidate_crosswalk') }}
)

select
    issues.source,
    issues.source_record_id,
    crosswalk.candidate_id,
    issues.file,
    issues.record_position,
    issues.field,
    issues.rule
from issues
left join crosswalk on crosswalk.record_key = issues.record_key
