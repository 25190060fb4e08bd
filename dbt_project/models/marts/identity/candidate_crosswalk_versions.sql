{#- One row each time a build assigned a source record to a different candidate (or first assigned it),
    and a row with no candidate when a record left the crosswalk (an erasure, a deleted export row): the
    history candidate_id_history reads. An incremental table that only appends, stamped with the build's
    start; `full_refresh: false` keeps the history through a --full-refresh. A warehouse built before this
    model existed carries the retired crosswalk snapshot's versions over once (source
    legacy.candidate_crosswalk_snapshot), when that table is there. -#}
{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}

{%- set legacy = load_relation(source('legacy', 'candidate_crosswalk_snapshot'))
    if execute and not is_incremental() else none %}

with current_assignment as (
    select
        record_key,
        candidate_id
    from {{ ref('candidate_crosswalk') }}
),

{% if is_incremental() %}
earlier as (
    select record_key, candidate_id, valid_from from {{ this }}
),
{% elif legacy is not none %}
earlier as (
    select record_key, candidate_id, dbt_valid_from as valid_from
    from {{ source('legacy', 'candidate_crosswalk_snapshot') }}
    union all
    -- a version that closed without a successor: the record left the crosswalk then
    select closed.record_key, cast(null as varchar) as candidate_id, closed.dbt_valid_to as valid_from
    from {{ source('legacy', 'candidate_crosswalk_snapshot') }} as closed
    where closed.dbt_valid_to is not null
      and not exists (
        select 1 from {{ source('legacy', 'candidate_crosswalk_snapshot') }} as successor
        where successor.record_key = closed.record_key and successor.dbt_valid_from = closed.dbt_valid_to)
),
{% else %}
earlier as (
    select
        cast(null as varchar) as record_key,
        cast(null as varchar) as candidate_id,
        cast(null as timestamp) as valid_from
    where 1 = 0
),
{% endif %}

latest as (
    select
        record_key,
        candidate_id
    from (
        select
            record_key,
            candidate_id,
            row_number() over (partition by record_key order by valid_from desc) as recency
        from earlier
    ) as ranked
    where recency = 1
),

changes as (
    select
        current_assignment.record_key,
        current_assignment.candidate_id
    from current_assignment
    left join latest on latest.record_key = current_assignment.record_key
    where latest.record_key is null or latest.candidate_id is null
        or latest.candidate_id <> current_assignment.candidate_id
    union all
    select
        latest.record_key,
        cast(null as varchar) as candidate_id
    from latest
    where latest.candidate_id is not null
        and not exists (
            select 1 from current_assignment
            where current_assignment.record_key = latest.record_key
        )
)

{% if legacy is not none and not is_incremental() %}
select record_key, candidate_id, valid_from from earlier
union all
{% endif %}
select
    record_key,
    candidate_id,
    {{ build_started_at() }} as valid_from
from changes
