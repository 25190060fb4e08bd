{#- Fails (one row, showing the count) when the model has fewer than `min_rows` rows. -#}
{% test row_count_at_least(model, min_rows) %}
select count(*) as observed_rows
from {{ model }}
having count(*) < {{ min_rows }}
{% endtest %}
