{#- Dates no earlier than `earliest` and no later than the run date (var as_of_date) plus
    `days_after_as_of` days: fails for every row outside, showing `key` and the date. -#}
{% test dates_within(model, column_name, earliest, days_after_as_of=0, key='record_key') %}
{%- set as_of = "cast('" ~ var('as_of_date') ~ "' as date)" -%}
select {{ key }}, {{ column_name }}
from {{ model }}
where {{ column_name }} < cast('{{ earliest }}' as date)
   or {{ column_name }} > {{ dbt.dateadd('day', days_after_as_of | int, as_of) }}
{% endtest %}
