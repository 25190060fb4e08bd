{#- When each record was first seen by a build: an incremental table that only ever appends the records
    it has not seen (stamped with the build's start), so the earliest-seen record of a person names the
    person and ids stay put as new records arrive. On the very first build every record gets the same
    time (then the record's own date decides). `full_refresh: false`: a --full-refresh keeps it.
    A warehouse built before this model existed carries its times over once from the retired crosswalk
    snapshot (source legacy.candidate_crosswalk_snapshot), when that table is there. -#}
{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}

with records as (
    select distinct record_key from {{ ref('int_candidate_records_unioned') }}
)

{%- set legacy = load_relation(source('legacy', 'candidate_crosswalk_snapshot'))
    if execute and not is_incremental() else none %}
{%- if legacy is not none %},

legacy as (
    select record_key, min(dbt_valid_from) as first_seen_at
    from {{ source('legacy', 'candidate_crosswalk_snapshot') }}
    group by record_key
)

select record_key, first_seen_at from legacy
union all
select records.record_key, {{ build_started_at() }} as first_seen_at
from records
where not exists (select 1 from legacy where legacy.record_key = records.record_key)
{%- else %}

select records.record_key, {{ build_started_at() }} as first_seen_at
from records
{%- if is_incremental() %}
where not exists (select 1 from {{ this }} as seen where seen.record_key = records.record_key)
{%- endif %}
{%- endif %}
