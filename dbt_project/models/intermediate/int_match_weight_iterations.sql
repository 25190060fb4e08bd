{#- How much each level of agreement is worth, learned from this data without labels (Fellegi–Sunter, with
    expectation–maximisation as the literature and Splink do it). One row per iteration, context, field and
    level, so the estimates and their convergence can be read; int_match_weights keeps the last iteration.

    - u (how often two DIFFERENT people agree at a level) for strangers: from random record pairs (every
      record paired with its neighbour in a shuffled order), fixed.
    - m (how often two records of the SAME person agree at a level) and the prior (how many pairs are the
      same person): by expectation–maximisation over the compared pairs. Start from a guess; each
      iteration (1) gives every pair the probability p that it is one person under the current m, u and
      prior, then (2) re-estimates m as the p-weighted share of pairs at each level and the prior as the
      sum of p over all pairs. The pairs no blocking rule compared count as different people (p = 0), so
      the prior is a share of all record pairs.
    - Pairs that share an email, a phone or a street address with its postal code (context 'shares_contact')
      are different: family members share those, and then they also share the family name, the address and
      the postal code. For these pairs the u-values are estimated by the same EM among such pairs (every such pair is
      compared, so nothing needs sampling), with a prior of their own: how often sharing a contact means
      one person. The m of the contact fields (email, phone, place) is estimated per context; the m of the
      others (name, birth date, career, timing) is one for all pairs.
    - Email and phone are evidence like any other field when a source has them; they are not labels, so a
      source without contacts still teaches the model (through names, birth dates and addresses).
    - Pairs are grouped by their pattern of levels first, so each iteration works on a few thousand
      patterns whatever the number of records. Counts are smoothed by var('match_weight_pseudo_pairs') per
      level, so no level is infinitely sure; the shared-contact u-values are pulled towards the strangers’
      by var('match_weight_shared_contact_pseudo_pairs') pseudo-pairs, so a data set with few or no families
      sharing contacts falls back to them instead of mistaking a handful of typo-ridden matches for families. -#}
{%- set fields = compared_fields() %}
{%- set levels = comparison_level_names() %}
{%- set contact = contact_fields() %}
{%- set iterations = var('match_weight_em_iterations') | int %}
{%- set sample = var('match_weight_sample_records') | int %}
{%- set pseudo = var('match_weight_pseudo_pairs') | float %}
{%- set family_pseudo = var('match_weight_shared_contact_pseudo_pairs') | float %}
{%- set level_columns = [] %}
{%- for field in fields %}{% do level_columns.append(field ~ '_level') %}{% endfor %}

with keys as (
    select * from {{ ref('int_candidate_match_keys') }}
),

pairs as (
    select * from {{ ref('int_candidate_pairs') }}
),

all_pairs as (
    select count(*) * (count(*) - 1) / 2.0 as pairs from keys
),

-- u for strangers: records paired with their neighbour in a shuffled order
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

all_levels as (
    {%- for field in fields %}{% set field_loop = loop %}{% for level in levels[field] %}
    select
        '{{ field }}' as field,
        '{{ level }}' as level,
        {{ loop.index }} as level_order,
        {{ levels[field] | length }} as field_levels
    {{- " union all" if not (loop.last and field_loop.last) }}
    {%- endfor %}{% endfor %}
),

random_counts as (
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

random_u as (
    select
        all_levels.field,
        all_levels.level,
        coalesce(random_counts.pairs, 0) as u_pairs,
        (coalesce(random_counts.pairs, 0) + 1.0)
        / (sum(coalesce(random_counts.pairs, 0)) over (partition by all_levels.field) + all_levels.field_levels)
            as u_probability
    from all_levels
    left join random_counts on random_counts.field = all_levels.field and random_counts.level = all_levels.level
),

-- the compared pairs by their pattern of levels
patterns as (
    select
        row_number() over (
            order by
                pair_context,
                {{ level_columns | join(",\n                ") }}
        ) as pattern_id,
        pair_context,
        {%- for field in fields %}
        {{ field }}_level,
        {%- endfor %}
        count(*) as pairs
    from pairs
    group by
        pair_context,
        {{ level_columns | join(",\n        ") }}
),

pattern_levels as (
    {%- for field in fields %}
    select
        pattern_id,
        pair_context,
        '{{ field }}' as field,
        {{ field }}_level as level,
        pairs
    from patterns
    where {{ field }}_level <> 'missing'
    {{ "union all" if not loop.last }}
    {%- endfor %}
),

-- one row: the compared pairs that share a contact
shared as (
    select coalesce(sum(pairs), 0) as pairs
    from patterns
    where pair_context = 'shares_contact'
),

contexts as (
    select
        'general' as pair_context,
        all_pairs.pairs - shared.pairs as context_pairs
    from all_pairs
    cross join shared
    union all
    select
        'shares_contact' as pair_context,
        shared.pairs as context_pairs
    from shared
),

context_levels as (
    select
        contexts.pair_context,
        all_levels.*,
        random_u.u_probability as stranger_u
    from contexts
    cross join all_levels
    inner join random_u on random_u.field = all_levels.field and random_u.level = all_levels.level
),

-- the starting guess: the stronger the agreement, the likelier for one person (halving level by level);
-- strangers’ u for both contexts; about one duplicate for every two records
params_0 as (
    select
        pair_context,
        field,
        level,
        power(2.0, field_levels - level_order) / (power(2.0, field_levels) - 1) as m_probability,
        stranger_u as u_probability,
        cast(null as double) as m_pairs
    from context_levels
),

priors_0 as (
    select
        pair_context,
        case
            when pair_context = 'shares_contact' then 0.5
            else least(0.5, (select count(*) from keys) * 0.5 / nullif(context_pairs, 0))
        end as prior_probability,
        cast(null as double) as m_pairs,
        context_pairs
    from contexts
),
{%- for i in range(1, iterations + 1) %}

-- iteration {{ i }}: how likely each pattern is one person, then m, u and the priors again
evidence_{{ i }} as (
    select
        pattern_levels.pattern_id,
        sum(ln(params.m_probability) - ln(params.u_probability)) as log_ratio
    from pattern_levels
    inner join params_{{ i - 1 }} as params
        on params.pair_context = pattern_levels.pair_context
            and params.field = pattern_levels.field
            and params.level = pattern_levels.level
    group by pattern_levels.pattern_id
),

expected_{{ i }} as (
    select
        patterns.pattern_id,
        patterns.pair_context,
        patterns.pairs,
        1.0 / (1.0 + exp(least(700, greatest(
            -700,
            -(ln(priors.prior_probability) - ln(1 - priors.prior_probability) + coalesce(evidence.log_ratio, 0))
        )))) as p
    from patterns
    inner join priors_{{ i - 1 }} as priors on priors.pair_context = patterns.pair_context
    left join evidence_{{ i }} as evidence on evidence.pattern_id = patterns.pattern_id
),

level_counts_{{ i }} as (
    select
        pattern_levels.pair_context,
        pattern_levels.field,
        pattern_levels.level,
        sum(pattern_levels.pairs * expected.p) as match_pairs,
        sum(pattern_levels.pairs * (1 - expected.p)) as non_match_pairs
    from pattern_levels
    inner join expected_{{ i }} as expected on expected.pattern_id = pattern_levels.pattern_id
    group by pattern_levels.pair_context, pattern_levels.field, pattern_levels.level
),

counted_{{ i }} as (
    select
        context_levels.*,
        coalesce(own.match_pairs, 0) as context_match_pairs,
        coalesce(own.non_match_pairs, 0) as context_non_match_pairs,
        coalesce((
            select sum(every.match_pairs) from level_counts_{{ i }} as every
            where every.field = context_levels.field and every.level = context_levels.level
        ), 0) as all_match_pairs
    from context_levels
    left join level_counts_{{ i }} as own
        on own.pair_context = context_levels.pair_context
            and own.field = context_levels.field
            and own.level = context_levels.level
),

params_{{ i }} as (
    select
        pair_context,
        field,
        level,
        case
            when field in ('{{ contact | join("', '") }}')
                then (context_match_pairs + {{ pseudo }})
                    / (sum(context_match_pairs) over (partition by pair_context, field) + {{ pseudo }} * field_levels)
            else (all_match_pairs + {{ pseudo }})
                / (sum(all_match_pairs) over (partition by pair_context, field) + {{ pseudo }} * field_levels)
        end as m_probability,
        case
            when pair_context = 'shares_contact'
                then (context_non_match_pairs + {{ family_pseudo }} * stranger_u)
                    / (sum(context_non_match_pairs) over (partition by pair_context, field) + {{ family_pseudo }})
            else stranger_u
        end as u_probability,
        case
            when field in ('{{ contact | join("', '") }}')
                then context_match_pairs
            else all_match_pairs
        end as m_pairs
    from counted_{{ i }}
),

priors_{{ i }} as (
    select
        contexts.pair_context,
        case
            when coalesce(sum(expected.pairs), 0) = 0 then priors.prior_probability
            else least(1 - 1e-9, greatest(1e-12, sum(expected.pairs * expected.p) / contexts.context_pairs))
        end as prior_probability,
        coalesce(sum(expected.pairs * expected.p), 0) as m_pairs,
        contexts.context_pairs
    from contexts
    inner join priors_{{ i - 1 }} as priors on priors.pair_context = contexts.pair_context
    left join expected_{{ i }} as expected on expected.pair_context = contexts.pair_context
    group by contexts.pair_context, contexts.context_pairs, priors.prior_probability
),
{%- endfor %}

iterations as (
    {%- for i in range(0, iterations + 1) %}
    select
        {{ i }} as iteration,
        params.pair_context,
        params.field,
        params.level,
        params.m_probability,
        params.u_probability,
        params.m_pairs
        {%- if i > 0 %},
        abs(params.m_probability - previous.m_probability)
        + abs(params.u_probability - previous.u_probability) as change
    from params_{{ i }} as params
    inner join params_{{ i - 1 }} as previous
        on previous.pair_context = params.pair_context
            and previous.field = params.field
            and previous.level = params.level
    {%- else %},
        cast(null as double) as change
    from params_0 as params
    {%- endif %}
    union all
    select
        {{ i }} as iteration,
        priors.pair_context,
        'prior' as field,
        'all pairs' as level,
        priors.prior_probability as m_probability,
        1 - priors.prior_probability as u_probability,
        priors.m_pairs
        {%- if i > 0 %},
        abs(priors.prior_probability - previous.prior_probability) / previous.prior_probability as change
    from priors_{{ i }} as priors
    inner join priors_{{ i - 1 }} as previous on previous.pair_context = priors.pair_context
    {%- else %},
        cast(null as double) as change
    from priors_0 as priors
    {%- endif %}
    {{- " union all" if not loop.last }}
    {%- endfor %}
)

select
    iterations.iteration,
    iterations.pair_context,
    iterations.field,
    iterations.level,
    coalesce(all_levels.level_order, 0) as level_order,
    iterations.m_probability,
    iterations.u_probability,
    iterations.m_pairs,
    iterations.change,
    max(iterations.change) over (partition by iterations.iteration) as iteration_change,
    random_u.u_pairs as random_u_pairs
from iterations
left join all_levels on all_levels.field = iterations.field and all_levels.level = iterations.level
left join random_u on random_u.field = iterations.field and random_u.level = iterations.level
