{#- Per `group_by`, the newest `column_name` is at most `max_days` days before the run date (var
    as_of_date): fails for every group whose newest date is older, showing its age in days. -#}
{% test recent_within(model, column_name, group_by, max_days) %}
{%- set as_of = "cast('" ~ var('as_of_date') ~ "' as date)" -%}
select
    {{ group_by }},
    max({{ column_name }}) as newest,
    {{ dbt.datediff('max(' ~ column_name ~ ')', as_of, 'day') }} as age_days
from {{ model }}
group by {{ group_by }}
having {{ dbt.datediff('max(' ~ column_name ~ ')', as_of, 'day') }} > {{ max_days }}
{% endtest %}
