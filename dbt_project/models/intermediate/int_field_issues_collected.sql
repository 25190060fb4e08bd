{#- Every value staging had to null, from every source (each staging folder emits its own as
    stg_<source>__field_issues, vars.sources in dbt_project.yml): which record, which field, which rule.
    Never the value: the raw record keeps it. -#}

with unioned as (
    {{ union_canonical_models('field_issues', [
        'source',
        'file',
        'record_position',
        'source_record_id',
        'field',
        'rule',
    ]) }}
)

select
    source,
    file,
    record_position,
    source_record_id,
    source || ':' || source_record_id as record_key,
    field,
    rule
from unioned
