{#- Working with the comma-joined lists item_set_key() builds (skills). -#}

{#- One row per item of a list key (use in a select list, one list column per query). -#}
{% macro list_items(list_key) -%}
    {{ return(adapter.dispatch('list_items', 'recruiting_crm')(list_key)) }}
{%- endmacro %}

{% macro duckdb__list_items(list_key) -%}
    unnest(string_split({{ list_key }}, ','))
{%- endmacro %}

{#- Whether a list key contains an item. -#}
{% macro list_has(list_key, item) -%}
    {{ return(adapter.dispatch('list_has', 'recruiting_crm')(list_key, item)) }}
{%- endmacro %}

{% macro default__list_has(list_key, item) -%}
    (',' || {{ list_key }} || ',') like ('%,' || {{ item }} || ',%')
{%- endmacro %}

{#- The largest of several values, ignoring NULLs. -#}
{% macro greatest_of(exprs) -%}
    {{ return(adapter.dispatch('greatest_of', 'recruiting_crm')(exprs)) }}
{%- endmacro %}

{% macro default__greatest_of(exprs) -%}
    (select max(v) from (values {% for e in exprs %}({{ e }}){{ ", " if not loop.last }}{% endfor %}) as t(v))
{%- endmacro %}

{% macro duckdb__greatest_of(exprs) -%}
    greatest({{ exprs | join(', ') }})
{%- endmacro %}
