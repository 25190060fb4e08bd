{#- Read a scalar from a JSON column as text. path is a JSONPath such as '$.applicant.email'. -#}
{% macro json_str(column, path) -%}
    {{ return(adapter.dispatch('json_str', 'recruiting_crm')(column, path)) }}
{%- endmacro %}

{% macro default__json_str(column, path) -%}
    json_extract_string({{ column }}, '{{ path }}')
{%- endmacro %}

{#- A JSON key that is not a plain identifier (Japanese CSV headers): '$."姓漢字"'. -#}
{% macro json_key(column, key) -%}
    {{ recruiting_crm.json_str(column, '$."' ~ key ~ '"') }}
{%- endmacro %}
