{#- How big the blocks of each blocking rule are, so nobody has to guess whether common surnames such as
    佐藤 or 鈴木 blow up the number of comparisons: keys, records, the largest block, the pairs a rule
    generates, and the keys skipped because more records share them than the rule compares
    (var('blocking_max_block_size'), smaller for the broad rules: macros/identity.sql). -#}
{%- set max_block = max_block_size_of('rule_order') %}

with keys as (
    select * from {{ ref('int_candidate_match_keys') }}
),

blocks as (
    {%- for rule, key in blocking_rules() %}
    select '{{ rule }}' as blocking_rule, {{ loop.index }} as rule_order, {{ key }} as block_key, count(*) as block_size
    from keys
    where {{ key }} is not null
    group by {{ key }}
    {{ "union all" if not loop.last }}
    {%- endfor %}
)

select
    blocking_rule,
    rule_order,
    count(*) filter (where block_size between 2 and {{ max_block }}) as blocks_compared,
    coalesce(sum(block_size) filter (where block_size between 2 and {{ max_block }}), 0) as records_in_blocks,
    coalesce(max(block_size) filter (where block_size <= {{ max_block }}), 0) as largest_block_compared,
    coalesce(sum(block_size * (block_size - 1) / 2) filter (where block_size between 2 and {{ max_block }}), 0)
        as pairs_generated,
    count(*) filter (where block_size > {{ max_block }}) as keys_skipped_as_too_common,
    max(block_size) as largest_key_seen
from blocks
group by blocking_rule, rule_order
