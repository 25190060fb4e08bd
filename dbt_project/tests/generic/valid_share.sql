{#- The share of written values (`raw_column` not blank) that `column_name` could read (not NULL after
    normalising), per `group_by`: fails for every group below `min_share`. A group with fewer than
    `min_sample` written values is not judged. The failing rows show the observed share. -#}
{% test valid_share(model, column_name, raw_column, group_by, min_share, min_sample=0) %}
select
    {{ group_by }},
    count(*) as written,
    count({{ column_name }}) as readable,
    round(count({{ column_name }}) * 1.0 / count(*), 4) as observed_share,
    {{ min_share }} as required_share
from {{ model }}
where nullif(trim(cast({{ raw_column }} as varchar)), '') is not null
group by {{ group_by }}
having count(*) >= {{ min_sample }}
   and count({{ column_name }}) * 1.0 / count(*) < {{ min_share }}
{% endtest %}
