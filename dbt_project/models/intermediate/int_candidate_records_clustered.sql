{#- Groups linked records into people (connected components), by label propagation: every record starts
    with its own node id as label and takes the smallest label among its links, {{ var('cluster_rounds') }}
    times. The test `assert_clusters_are_closed` fails if a link still joins two labels, i.e. if the rounds
    were not enough. The smallest node id (the earliest record, by its own date) names the person, so a
    person's id does not change when later records join them. -#}
{%- set rounds = var('cluster_rounds') | int -%}

with records as (
    select
        record_key,
        node_id
    from {{ ref('int_candidate_records_unioned') }}
),

edges as (
    select node_id as from_node, anchor_node_id as to_node from {{ ref('int_candidate_records_matched') }}
    union all
    select anchor_node_id as from_node, node_id as to_node from {{ ref('int_candidate_records_matched') }}
),

labels_0 as (
    select node_id, node_id as label from records
),

{% for round in range(1, rounds + 1) %}
labels_{{ round }} as (
    select
        labels.node_id,
        least(labels.label, coalesce(min(neighbour.label), labels.label)) as label
    from labels_{{ round - 1 }} as labels
    left join edges on edges.from_node = labels.node_id
    left join labels_{{ round - 1 }} as neighbour on neighbour.node_id = edges.to_node
    group by labels.node_id, labels.label
),
{% endfor %}

final as (
    select node_id, label as cluster_node_id from labels_{{ rounds }}
)

select
    records.record_key,
    records.node_id,
    final.cluster_node_id,
    anchor.record_key as anchor_record_key,
    {{ hash_id('C', 'anchor.record_key') }} as candidate_id
from records
inner join final on final.node_id = records.node_id
inner join records as anchor on anchor.node_id = final.cluster_node_id
