{#- Fields read from text that can be wrong: staging keeps a value only when it can be right, and records
    each value it had to drop as a field issue (marts.field_issues), never the value itself. The windows
    are vars.date_windows in dbt_project.yml. -#}


{#- [earliest, latest] of a date window as ISO dates: from `earliest` to the run date plus `days_after_as_of`. -#}
{% macro date_window(window) -%}
    {%- set spec = var('date_windows')[window] -%}
    {%- set as_of = modules.datetime.date.fromisoformat(var('as_of_date') | string) -%}
    {%- set latest = as_of + modules.datetime.timedelta(days=spec['days_after_as_of'] | int) -%}
    {{ return([spec['earliest'] | string, latest.isoformat()]) }}
{%- endmacro %}


{#- A date written as text (parse_jp_date) when it is a real date inside the window, else NULL. -#}
{% macro plausible_jp_date(expr, window) -%}
    {%- set bounds = date_window(window) -%}
    case
        when {{ parse_jp_date(expr) }} between date '{{ bounds[0] }}' and date '{{ bounds[1] }}'
            then {{ parse_jp_date(expr) }}
    end
{%- endmacro %}


{#- One row per date field staging had to null: (source, file, record_position, source_record_id, field,
    rule), rule `unparseable_date` (not a date in any format parse_jp_date reads) or `implausible_date`
    (a real date outside its window). `relation` is a staging model or CTE with those lineage columns;
    `fields` maps each field name to [the column holding its text, its window]. Blank text is no issue. -#}
{% macro date_field_issues(relation, fields) -%}
    {%- for field, spec in fields.items() %}
    {%- set bounds = date_window(spec[1]) %}
    select
        source,
        file,
        record_position,
        source_record_id,
        '{{ field }}' as field,
        case when parsed is null then 'unparseable_date' else 'implausible_date' end as rule
    from (
        select
            source,
            file,
            record_position,
            source_record_id,
            {{ parse_jp_date(spec[0]) }} as parsed
        from {{ relation }}
        where {{ blank_to_null(spec[0]) }} is not null
    ) as checked
    where parsed is null or parsed not between date '{{ bounds[0] }}' and date '{{ bounds[1] }}'
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
