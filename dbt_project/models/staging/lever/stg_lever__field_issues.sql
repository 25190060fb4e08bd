{#- Lever values staging emptied: a createdAt, updatedAt or archivedAt that is not epoch milliseconds. The
    record is kept. -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with opportunities as (
    select * from {{ ref('stg_lever__opportunities') }}
)

{{ unreadable_field_issues('opportunities', {
    'created_at': ['created_at_raw', 'created_at', 'unparseable_timestamp'],
    'updated_at': ['updated_at_raw', 'updated_at', 'unparseable_timestamp'],
    'archived_at': ['archived_at_raw', 'archived_at', 'unparseable_timestamp'],
}) }}
