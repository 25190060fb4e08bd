{#- A stable short hash id: prefix + the first 16 hex digits of md5(text). -#}
{% macro hash_id(prefix, expr) -%}
    {{ return(adapter.dispatch('hash_id', 'recruiting_crm')(prefix, expr)) }}
{%- endmacro %}

{% macro default__hash_id(prefix, expr) -%}
    '{{ prefix }}' || substr(md5({{ expr }}), 1, 16)
{%- endmacro %}

{#- Sorted, de-duplicated, comma-separated list of values in a group. -#}
{% macro list_distinct(expr) -%}
    {{ return(adapter.dispatch('list_distinct', 'recruiting_crm')(expr)) }}
{%- endmacro %}

{% macro default__list_distinct(expr) -%}
    string_agg(distinct {{ expr }}, ', ' order by {{ expr }})
{%- endmacro %}

{#- The latest non-null value of a column within a window partition ordered newest first. -#}
{% macro latest_value(expr, partition_by, order_by) -%}
    first_value({{ expr }} ignore nulls) over (
        partition by {{ partition_by }} order by {{ order_by }}
        rows between unbounded preceding and unbounded following)
{%- endmacro %}

{#- The value of `expr` on the row where `order_expr` is smallest, per group. -#}
{% macro min_by(expr, order_expr) -%}
    {{ return(adapter.dispatch('min_by', 'recruiting_crm')(expr, order_expr)) }}
{%- endmacro %}

{% macro default__min_by(expr, order_expr) -%}
    min_by({{ expr }}, {{ order_expr }})
{%- endmacro %}

{% macro duckdb__min_by(expr, order_expr) -%}
    arg_min({{ expr }}, {{ order_expr }})
{%- endmacro %}

{#- The value of `expr` on the row where `order_expr` is largest, per group. -#}
{% macro max_by(expr, order_expr) -%}
    {{ return(adapter.dispatch('max_by', 'recruiting_crm')(expr, order_expr)) }}
{%- endmacro %}

{% macro default__max_by(expr, order_expr) -%}
    max_by({{ expr }}, {{ order_expr }})
{%- endmacro %}

{% macro duckdb__max_by(expr, order_expr) -%}
    arg_max({{ expr }}, {{ order_expr }})
{%- endmacro %}

{#- A deterministic number from text (64-bit hash), for grouping on long keys and for shuffling. -#}
{% macro hash_number(expr) -%}
    {{ return(adapter.dispatch('hash_number', 'recruiting_crm')(expr)) }}
{%- endmacro %}

{% macro default__hash_number(expr) -%}
    md5({{ expr }})
{%- endmacro %}

{% macro duckdb__hash_number(expr) -%}
    hash({{ expr }})
{%- endmacro %}
