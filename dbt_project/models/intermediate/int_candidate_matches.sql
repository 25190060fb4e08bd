{#- The pairs that matched, need review, or carry a reviewed decision, with their evidence and decision
    (rule_version 'fs-v2': weights learned by expectation–maximisation, per context). Pairs that scored
    'no_match' are left out; int_candidate_pairs has them.

    match_weight = prior + the weight of each field’s agreement level (int_match_weights);
    match_probability = 1 / (1 + 2^-match_weight).
    A pair is a 'match' from var('match_threshold') up, goes to people for 'review' from
    var('review_threshold') up, and is otherwise 'no_match'. A reviewed decision in the seed
    identity_decisions ('must_link' or 'cannot_link') overrides the score on the next run. -#}
{%- set fields = compared_fields() %}
{%- set records = "(select count(*) from " ~ ref('int_candidate_match_keys') ~ ")" %}

with keys as (
    select * from {{ ref('int_candidate_match_keys') }}
),

decisions as (
    select
        least(a.node_id, b.node_id) as node_id_l,
        greatest(a.node_id, b.node_id) as node_id_r,
        reviewed.decision,
        reviewed.decided_by,
        reviewed.decided_on,
        reviewed.reason
    from {{ ref('identity_decisions') }} as reviewed
    inner join keys as a on a.record_key = reviewed.record_key_a
    inner join keys as b on b.record_key = reviewed.record_key_b
    where reviewed.decision in ('must_link', 'cannot_link')
),

blocked_pairs as (
    select * from {{ ref('int_candidate_pairs') }}
),

-- a reviewed pair is compared even when no blocking rule brought it together
decided_compared as (
    select
        decisions.node_id_l,
        decisions.node_id_r,
        'reviewed_decision' as blocked_by,
        {{ pair_columns('l', 'r') }}
    from decisions
    inner join keys as l on l.node_id = decisions.node_id_l
    inner join keys as r on r.node_id = decisions.node_id_r
    where not exists (
            select 1 from blocked_pairs
            where blocked_pairs.node_id_l = decisions.node_id_l and blocked_pairs.node_id_r = decisions.node_id_r
        )
),

decided_pairs as (
    select
        *,
        case when {{ shares_contact() }} then 'shares_contact' else 'general' end as pair_context
    from decided_compared
),

pairs as (
    select * from blocked_pairs
    union all
    select * from decided_pairs
),

weights as (
    select
        pair_context,
        field,
        level,
        m_probability,
        u_pairs,
        match_weight
    from {{ ref('int_match_weights') }}
),

-- among random pairs with the same job and skills, the share that also have about the same experience
years_share as (
    select
        max(case when level = 'same_job_years_and_skills' then u_pairs end) * 1.0
        / nullif(sum(case when level in ('same_job_years_and_skills', 'same_job_and_skills') then u_pairs end), 0)
            as share
    from weights
    where field = 'career' and pair_context = 'general'
),

-- one row: the share above, 1 when there are no random pairs to learn it from
years as (
    select coalesce(max(share), 1) as share
    from years_share
),

{# Term-frequency adjustment: when two strangers’ records agree on a name or a skill set, the evidence
    depends on how common that value is. The weight becomes log2(m / frequency of the value) instead of
    the level’s average log2(m / u), floored at one record in all. Not for pairs that share a contact:
    there the u-values already say how often family members agree. -#}
adjusted as (
    select
        pairs.*,
        {%- for field in fields %}
        {%- if field == 'name' %}
        case
            when pairs.pair_context = 'general' and pairs.name_level in ('exact', 'same_reading')
                then ln(name_w.m_probability / greatest(pairs.name_frequency, 1.0 / {{ records }})) / ln(2)
            else coalesce(name_w.match_weight, 0)
        end as name_weight,
        {%- elif field == 'career' %}
        case
            when pairs.pair_context = 'general' and pairs.career_level = 'same_job_years_and_skills'
                then
                    ln(career_w.m_probability / greatest(pairs.skills_frequency * years.share, 1.0 / {{ records }}))
                    / ln(2)
            when pairs.pair_context = 'general' and pairs.career_level = 'same_job_and_skills'
                then ln(career_w.m_probability / greatest(pairs.skills_frequency, 1.0 / {{ records }})) / ln(2)
            else coalesce(career_w.match_weight, 0)
        end as career_weight,
        {%- else %}
        coalesce({{ field }}_w.match_weight, 0) as {{ field }}_weight,
        {%- endif %}
        {%- endfor %}
        prior_w.match_weight as prior_weight
    from pairs
    cross join years
    left join weights as prior_w on prior_w.pair_context = pairs.pair_context and prior_w.field = 'prior'
    {%- for field in fields %}
    left join weights as {{ field }}_w
        on {{ field }}_w.pair_context = pairs.pair_context
            and {{ field }}_w.field = '{{ field }}'
            and {{ field }}_w.level = pairs.{{ field }}_level
    {%- endfor %}
),

scored as (
    select
        adjusted.*,
        adjusted.prior_weight
        {%- for field in fields %}
        + adjusted.{{ field }}_weight
        {%- endfor %} as match_weight
    from adjusted
),

decided as (
    select
        scored.*,
        1.0 / (1.0 + power(2.0, -scored.match_weight)) as match_probability,
        case
            when decisions.decision is not null then decisions.decision
            when 1.0 / (1.0 + power(2.0, -scored.match_weight)) >= {{ var('match_threshold') }} then 'match'
            when 1.0 / (1.0 + power(2.0, -scored.match_weight)) >= {{ var('review_threshold') }} then 'review'
            else 'no_match'
        end as decision,
        decisions.decided_by,
        decisions.reason as decision_reason
    from scored
    left join decisions
        on decisions.node_id_l = scored.node_id_l
            and decisions.node_id_r = scored.node_id_r
)

-- pairs scored 'no_match' are left out: int_candidate_pairs keeps every compared pair’s levels
select
    l.record_key as record_key_l,
    r.record_key as record_key_r,
    decided.*,
    'fs-v2' as rule_version
from decided
inner join keys as l on l.node_id = decided.node_id_l
inner join keys as r on r.node_id = decided.node_id_r
where decided.decision <> 'no_match'
