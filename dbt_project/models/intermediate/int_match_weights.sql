{#- What each level of agreement is worth: the last iteration of the estimates in int_match_weight_iterations
    (expectation–maximisation over the compared pairs; u for strangers from random pairs; no labels), per
    context ('general' pairs, and 'shares_contact' pairs that share an email, a phone or a street address with
    its postal code).

    weight = log2(m / u): positive when that agreement is evidence for one person, negative when it is
    evidence against; 'missing' weighs 0. The 'prior' row of each context is the share of its pairs that
    are one person (m_probability) and its weight log2(prior / (1 - prior)). -#}
{%- set last = var('match_weight_em_iterations') | int %}

with iterations as (
    select * from {{ ref('int_match_weight_iterations') }}
),

last_iteration as (
    select * from iterations
    where iteration = {{ last }}
),

random_pairs as (
    select
        field,
        level,
        max(random_u_pairs) as u_pairs
    from iterations
    where iteration = 0
    group by field, level
)

select
    last_iteration.pair_context,
    last_iteration.field,
    last_iteration.level,
    last_iteration.level_order,
    last_iteration.m_pairs,
    random_pairs.u_pairs,
    last_iteration.m_probability,
    last_iteration.u_probability,
    ln(last_iteration.m_probability / last_iteration.u_probability) / ln(2) as match_weight,
    {{ last }} as iterations,
    last_iteration.iteration_change as last_change,
    last_iteration.iteration_change < {{ var('match_weight_converged_below') }} as is_converged
from last_iteration
left join random_pairs on random_pairs.field = last_iteration.field and random_pairs.level = last_iteration.level
