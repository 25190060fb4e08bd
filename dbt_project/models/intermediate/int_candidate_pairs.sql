{#- Candidate pairs: two records are compared only when a blocking rule (macros/identity.sql) puts them
    in the same block. Each pair appears once, with the first rule (in the order of blocking_rules())
    that found it, the agreement level of every compared field, and its context: 'shares_contact' when the
    two share an email, a phone or a street address with its postal code (as family members can), else
    'general'. -#}

with keys as (
    select * from {{ ref('int_candidate_match_keys') }}
),

-- every blocking key of every record, hashed: comparing and grouping numbers is faster than text
block_keys as (
    {%- for rule, key in blocking_rules() %}
    select
        node_id,
        {{ loop.index }} as rule_order,
        {{ hash_number(key) }} as block_key
    from keys
    where {{ key }} is not null
    {{ "union all" if not loop.last }}
    {%- endfor %}
),

usable_keys as (
    select
        node_id,
        rule_order,
        block_key
    from block_keys
    qualify count(*) over (partition by rule_order, block_key) between 2 and {{ max_block_size_of('rule_order') }}
),

blocked as (
    select
        l.node_id as node_id_l,
        r.node_id as node_id_r,
        l.rule_order
    from usable_keys as l
    inner join usable_keys as r
        on r.rule_order = l.rule_order and r.block_key = l.block_key and r.node_id > l.node_id
),

pairs as (
    select
        node_id_l,
        node_id_r,
        case min(rule_order)
            {%- for rule, key in blocking_rules() %}
            when {{ loop.index }} then '{{ rule }}'
            {%- endfor %}
        end as blocked_by
    from blocked
    group by node_id_l, node_id_r
),

compared as (
    select
        pairs.node_id_l,
        pairs.node_id_r,
        pairs.blocked_by,
        {{ pair_columns('l', 'r') }}
    from pairs
    inner join keys as l on l.node_id = pairs.node_id_l
    inner join keys as r on r.node_id = pairs.node_id_r
)

select
    *,
    case when {{ shares_contact() }} then 'shares_contact' else 'general' end as pair_context
from compared
