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

{#- A JSON array of strings at a path, as one comma-separated string (NULL when missing or empty). -#}
{% macro json_string_list(column, path) -%}
    {{ return(adapter.dispatch('json_string_list', 'recruiting_crm')(column, path)) }}
{%- endmacro %}

{% macro duckdb__json_string_list(column, path) -%}
    nullif(array_to_string(json_extract_string({{ column }}, '{{ path }}[*]'), ', '), '')
{%- endmacro %}


{#- One column per name in `columns` (name -> the headers a file may use for it, as vars.agency_files
    holds them): the first header present and not blank in the JSON record. Emits "coalesce(...) as name"
    items separated by commas, for a select list. -#}
{% macro first_present_headers(columns, record='record') -%}
    {%- for name, headers in columns.items() %}
        coalesce(
            {%- for header in headers %}
            {{ blank_to_null(json_key(record, header)) }}{{ "," if not loop.last }}
            {%- endfor %}
        ) as {{ name }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}
