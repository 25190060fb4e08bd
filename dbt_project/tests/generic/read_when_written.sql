{#- Fails for every row where `raw_column` holds a value but `column_name` could not read it (an
    unreadable or impossible value), showing `key`. -#}
{% test read_when_written(model, column_name, raw_column, key='record_key') %}
select {{ key }}
from {{ model }}
where nullif(trim(cast({{ raw_column }} as varchar)), '') is not null
  and {{ column_name }} is null
{% endtest %}
