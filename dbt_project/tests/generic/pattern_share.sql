{#- Of the values present, at least `min_share` match `pattern` in full (macro regex_full_match): fails
    (one row, showing the observed share) when fewer do. Only the share leaves the warehouse, never a value. -#}
{% test pattern_share(model, column_name, pattern, min_share) %}
select
    count(*) as present,
    round(sum(case when {{ regex_full_match(column_name, pattern) }} then 1 else 0 end) * 1.0 / count(*), 4) as observed_share,
    {{ min_share }} as required_share
from {{ model }}
where {{ column_name }} is not null
having count(*) > 0
   and sum(case when {{ regex_full_match(column_name, pattern) }} then 1 else 0 end) * 1.0 / count(*) < {{ min_share }}
{% endtest %}
