{#- The sources are declared once, in dbt_project.yml (vars.sources); see docs/adding-a-source.md. -#}


{#- The canonical staging models emitted for `canonical` (candidate_records, application_records or
    field_issues), stg_<staging folder>__<canonical>, in the declared order. -#}
{% macro canonical_models(canonical) -%}
    {%- set models = [] -%}
    {%- for package, spec in var('sources').items() -%}
        {%- set name = 'stg_' ~ (spec.get('staging') or package) ~ '__' ~ canonical -%}
        {%- if canonical in (spec.get('emits') or []) and name not in models -%}
            {%- do models.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(models) }}
{%- endmacro %}


{#- Every source's canonical `canonical` model, unioned by name: each model is asked for exactly `columns`,
    in this order, so a model that lacks one fails the build naming the model and the column. -#}
{% macro union_canonical_models(canonical, columns) -%}
    {%- set models = canonical_models(canonical) -%}
    {%- if not models -%}
        {{ exceptions.raise_compiler_error("no source in vars.sources emits " ~ canonical) }}
    {%- endif -%}
    {%- for model in models %}
    select
        {%- for column in columns %}
        {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ ref(model) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
