-- Fails for every landed candidate record (source, source_record_id) missing from the crosswalk: read
-- from the raw tables behind int_candidate_records_unioned (found in dbt's graph), not from the union
-- itself, so a record a staging model or the clustering lost is caught. Shows the record key only.
{%- set tables = upstream_sources('int_candidate_records_unioned') %}
with landed as (
    {%- for table in tables %}
    select distinct source, source_record_id from {{ table }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select cast(null as varchar) as source, cast(null as varchar) as source_record_id
    {%- endfor %}
)

select landed.source || ':' || landed.source_record_id as record_key
from landed
where landed.source is not null
  and not exists (
    select 1 from {{ ref('candidate_crosswalk') }} as crosswalk
    where crosswalk.source = landed.source and crosswalk.source_record_id = landed.source_record_id
  )
