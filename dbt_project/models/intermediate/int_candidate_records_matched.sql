{#- Links between source records that belong to the same person.

    Foundation rule (rule_version 'exact-v1'): two records are linked when their normalised email is
    the same, or their normalised phone number is the same. Each shared value links every record that
    has it to the earliest record with it (a star, not every pair), so the number of links grows with
    the number of records, not with its square. -#}

with records as (
    select
        record_key,
        email,
        phone,
        node_id
    from {{ ref('int_candidate_records_unioned') }}
),

by_value as (
    select node_id, record_key, 'email' as matched_on, email as matched_value from records where email is not null
    union all
    select node_id, record_key, 'phone' as matched_on, phone as matched_value from records where phone is not null
),

anchored as (
    select
        *,
        min(node_id) over (partition by matched_on, matched_value) as anchor_node_id,
        count(*) over (partition by matched_on, matched_value) as records_sharing_value
    from by_value
)

select
    anchored.node_id,
    anchored.record_key,
    anchored.anchor_node_id,
    anchor.record_key as anchor_record_key,
    anchored.matched_on,
    anchored.records_sharing_value,
    'exact-v1' as rule_version
from anchored
inner join records as anchor on anchor.node_id = anchored.anchor_node_id
where anchored.node_id <> anchored.anchor_node_id
