{#- When each record was first given a candidate id, from the snapshot of marts.candidate_crosswalk that
    every build takes (snapshots/candidate_crosswalk_snapshot). Empty on the very first build. The
    earliest-seen record of a person names the person, so ids stay put as new records arrive. -#}
{%- set snapshot = adapter.get_relation(database=target.database, schema='snapshots', identifier='candidate_crosswalk_snapshot') if execute else none %}

{% if snapshot is not none %}
select record_key, min(dbt_valid_from) as first_seen_at
from {{ snapshot }}
group by record_key
{% else %}
select cast(null as varchar) as record_key, cast(null as timestamp) as first_seen_at
where 1 = 0
{% endif %}
