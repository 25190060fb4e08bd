{#- Merge semantics for raw tables: keep the newest landed version of each key. -#}
{% macro latest_version(relation, key='source_record_id') -%}
    select * from (
        select *, row_number() over (partition by {{ key }} order by loaded_at desc, load_id desc) as version_rank
        from {{ relation }}
    ) as versions
    where version_rank = 1
{%- endmacro %}
