{#- How much each level of agreement is worth, estimated from this data (Fellegi–Sunter):

    - m = how often a field agrees at that level when two records ARE the same person. Estimated on the
      pairs that share an email address or a phone number (nearly always the same person); for email
      itself on the pairs that share a phone, for phone on the pairs that share an email.
    - u = how often it agrees at that level between two records picked at random (different people):
      every record paired with its neighbour in a shuffled order. Two different people almost never share
      an email address or phone number, too rarely for a sample to see; for those levels u is how often
      records whose names or birth dates clearly differ share one, out of all record pairs.
    - weight = log2(m / u): positive when that agreement is evidence for the same person, negative when
      it is evidence against. 'missing' weighs 0. Counts are smoothed (+1) so no level is infinitely
      sure.

    The prior is the share of all record pairs that are the same person, estimated the same way. -#}
{%- set fields = compared_fields() %}
{%- set sample = var('match_weight_sample_records') | int %}
{#- identifier levels whose u comes from clearly different people rather than from the random sample -#}
{%- set identifier_fields = {'email': ['exact', 'same_mailbox', 'one_typo'], 'phone': ['exact']} %}
{%- set is_identifier_level = [] %}
{%- for field, levels in identifier_fields.items() %}
{%- do is_identifier_level.append(
    "(all_levels.field = '" ~ field ~ "' and all_levels.level in ('" ~ levels | join("', '") ~ "'))") %}
{%- endfor %}

with keys as (
    select * from {{ ref('int_candidate_match_keys') }}
),

pairs as (
    select * from {{ ref('int_candidate_pairs') }}
),

sampled as (
    select * from keys
    order by {{ hash_number('record_key') }}, record_key
    limit {{ sample }}
),

shuffled as (
    select
        *,
        row_number() over (order by {{ hash_number('record_key') }}, record_key) as shuffle_rank
    from sampled
),

random_pairs as (
    select
        {{ comparison_levels('l', 'r') }}
    from shuffled as l
    inner join shuffled as r on r.shuffle_rank = l.shuffle_rank + 1
),

{%- set levels = {
    'email': ['exact', 'same_mailbox', 'one_typo', 'different'],
    'phone': ['exact', 'different'],
    'name': ['exact', 'same_reading', 'similar', 'one_part', 'different'],
    'birth_date': ['exact', 'one_typo', 'different'],
    'place': ['same_postal_code', 'same_city', 'same_prefecture', 'different'],
    'timing': ['within_two_weeks', 'within_three_months', 'further_apart'],
    'career': ['same_job_years_and_skills', 'same_job_and_skills', 'same_job_other_skills', 'same_job_and_years', 'same_job', 'different'],
} %}

all_levels as (
    {%- for field in fields %}{% for level in levels[field] %}
    select
        '{{ field }}' as field,
        '{{ level }}' as level,
        {{ loop.index }} as level_order
    {{- " union all" if not (loop.last and field == fields[-1]) }}
    {%- endfor %}{% endfor %}
),

surely_same as (
    select
        *,
        email_level = 'exact' or phone_level = 'exact' as is_sure,
        phone_level = 'exact' as is_sure_without_email,
        email_level = 'exact' as is_sure_without_phone
    from pairs
),

m_counts as (
    {%- for field in fields %}
    select
        '{{ field }}' as field,
        {{ field }}_level as level,
        count(*) as pairs
    from surely_same
    {%- set sure = 'is_sure_without_email' if field == 'email' else (
        'is_sure_without_phone' if field == 'phone' else 'is_sure') %}
    where {{ sure }} and {{ field }}_level <> 'missing'
    group by {{ field }}_level
    {{ "union all" if not loop.last }}
    {%- endfor %}
),

sampled_u_counts as (
    {%- for field in fields %}
    select
        '{{ field }}' as field,
        {{ field }}_level as level,
        count(*) as pairs
    from random_pairs
    where {{ field }}_level <> 'missing'
    group by {{ field }}_level
    {{ "union all" if not loop.last }}
    {%- endfor %}
),

clearly_different_people as (
    select *
    from pairs
    where name_level = 'different' or birth_date_level = 'different'
),

identifier_u_counts as (
    {%- for field in identifier_fields %}
    select
        '{{ field }}' as field,
        {{ field }}_level as level,
        count(*) as pairs
    from clearly_different_people
    where {{ field }}_level in ({{ "'" ~ identifier_fields[field] | join("', '") ~ "'" }})
    group by {{ field }}_level
    {{ "union all" if not loop.last }}
    {%- endfor %}
),

u_counts as (
    select * from sampled_u_counts
    where not (
            {% for field in identifier_fields %}(
                field = '{{ field }}' and level in ({{ "'" ~ identifier_fields[field] | join("', '") ~ "'" }})
            ){{ " or " if not loop.last }}{% endfor %}
        )
),

all_pairs as (
    select count(*) * (count(*) - 1) / 2.0 as pairs
    from keys
),

smoothed as (
    select
        all_levels.field,
        all_levels.level,
        all_levels.level_order,
        coalesce(m_counts.pairs, 0) as m_pairs,
        coalesce(u_counts.pairs, identifier_u_counts.pairs, 0) as u_pairs,
        (coalesce(m_counts.pairs, 0) + 1.0)
        / (
            sum(coalesce(m_counts.pairs, 0)) over (partition by all_levels.field)
            + count(*) over (partition by all_levels.field)
        )
            as m_probability,
        case
            when {{ is_identifier_level | join('\n                or ') }}
                then (coalesce(identifier_u_counts.pairs, 0) + 1.0) / (select all_pairs.pairs from all_pairs)
            else (coalesce(u_counts.pairs, 0) + 1.0)
                / (
                    sum(coalesce(u_counts.pairs, 0)) over (partition by all_levels.field)
                    + count(*) over (partition by all_levels.field)
                )
        end as u_probability
    from all_levels
    left join m_counts on m_counts.field = all_levels.field and m_counts.level = all_levels.level
    left join u_counts on u_counts.field = all_levels.field and u_counts.level = all_levels.level
    left join
        identifier_u_counts
        on identifier_u_counts.field = all_levels.field and identifier_u_counts.level = all_levels.level
),

prior as (
    select
        (
            select count(*) from surely_same
            where is_sure
        ) * 1.0
        / (select all_pairs.pairs from all_pairs) as match_share
)

select
    field,
    level,
    level_order,
    m_pairs,
    u_pairs,
    m_probability,
    u_probability,
    ln(m_probability / u_probability) / ln(2) as match_weight
from smoothed
union all
select
    'prior' as field,
    'all pairs' as level,
    0 as level_order,
    null as m_pairs,
    null as u_pairs,
    match_share as m_probability,
    1 - match_share as u_probability,
    ln(match_share / (1 - match_share)) / ln(2) as match_weight
from prior
