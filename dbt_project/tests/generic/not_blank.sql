{#- Fails for every row whose value is NULL or only blanks. -#}
{% test not_blank(model, column_name) %}
select {{ column_name }}
from {{ model }}
where nullif(trim(cast({{ column_name }} as varchar)), '') is null
{% endtest %}
