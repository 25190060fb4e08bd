{#- Groups matched records into people.

    1. Connected components over the pairs decided 'match' or 'must_link' (label propagation with pointer
       jumping: every linked record takes the smallest label among its links and that label's own label,
       {{ var('cluster_rounds') }} times; the test assert_clusters_are_closed fails if that was not enough).
    2. Guard against chains: inside one component, two records that a reviewer marked 'cannot_link', or
       that were only joined through others while their birth dates and names clearly differ, are kept
       apart. Such a component is split around those records: each other record follows its strongest
       link, round by round.
    3. The person is named after the record seen first (first build it appeared in, then its own date,
       then its key), so adding records never renames anyone, and when two people merge the older id
       survives (marts.candidate_id_history records the retired one). -#}
{%- set rounds = var('cluster_rounds') | int -%}

with records as (
    select
        keys.record_key,
        keys.node_id,
        keys.record_date,
        keys.birth_date,
        keys.name_reading_key,
        first_seen.first_seen_at
    from {{ ref('int_candidate_match_keys') }} as keys
    left join {{ ref('int_candidate_record_first_seen') }} as first_seen on first_seen.record_key = keys.record_key
),

links as (
    select
        node_id_l,
        node_id_r,
        match_weight
    from {{ ref('int_candidate_matches') }}
    where decision in ('match', 'must_link')
),

edges as (
    select
        node_id_l as from_node,
        node_id_r as to_node,
        match_weight
    from links
    union all
    select
        node_id_r as from_node,
        node_id_l as to_node,
        match_weight
    from links
),

-- only linked records take part; every other record is a person of its own
labels_0 as (
    select
        from_node as node_id,
        least(from_node, min(to_node)) as label
    from edges
    group by from_node
),

{#- each round: take the smallest label among the neighbours, then jump to the label's own label
    (pointer jumping), so a chain of n records settles in about log2(n) rounds -#}
{% for round in range(1, rounds + 1) %}
labels_{{ round }}_spread as (
    select
        edges.from_node as node_id,
        least(min(neighbour.label), min(own.label)) as label
    from edges
    inner join labels_{{ round - 1 }} as neighbour on neighbour.node_id = edges.to_node
    inner join labels_{{ round - 1 }} as own on own.node_id = edges.from_node
    group by edges.from_node
),

labels_{{ round }} as (
    select
        spread.node_id,
        least(spread.label, coalesce(jump.label, spread.label)) as label
    from labels_{{ round }}_spread as spread
    left join labels_{{ round }}_spread as jump on jump.node_id = spread.label
),
{% endfor %}

components as (
    select
        records.*,
        coalesce(labels_{{ rounds }}.label, records.node_id) as component
    from records
    left join labels_{{ rounds }} on labels_{{ rounds }}.node_id = records.node_id
),

-- components with more than one birth date are the only ones a chain can have gone wrong in
mixed_components as (
    select component
    from components
    where birth_date is not null
    group by component
    having count(distinct birth_date) > 1
),

reviewed_apart as (
    select
        a.node_id as node_id_a,
        b.node_id as node_id_b
    from {{ ref('identity_decisions') }} as decisions
    inner join components as a on a.record_key = decisions.record_key_a
    inner join components as b on b.record_key = decisions.record_key_b and b.component = a.component
    where decisions.decision = 'cannot_link'
),

clearly_different as (
    select
        a.node_id as node_id_a,
        b.node_id as node_id_b
    from components as a
    inner join mixed_components on mixed_components.component = a.component
    inner join components as b on b.component = a.component and b.node_id > a.node_id
    where a.birth_date <> b.birth_date
        and {{ edit_distance('cast(a.birth_date as varchar)', 'cast(b.birth_date as varchar)') }} > 1
        and coalesce({{ string_similarity('a.name_reading_key', 'b.name_reading_key') }}, 0) < 0.92
        and not exists (
            select 1 from links
            where links.node_id_l = a.node_id and links.node_id_r = b.node_id
        )
),

kept_apart as (
    select
        node_id_a,
        node_id_b
    from reviewed_apart
    union
    select
        node_id_a,
        node_id_b
    from clearly_different
),

split_components as (
    select distinct components.component
    from kept_apart
    inner join components on components.node_id = kept_apart.node_id_a
),

-- the records that must end up apart; seeds linked to each other directly (and not kept apart) stay together
seeds as (
    select node_id_a as node_id from kept_apart
    union
    select node_id_b from kept_apart
),

seed_links as (
    select
        edges.from_node,
        edges.to_node
    from edges
    inner join seeds as from_seed on from_seed.node_id = edges.from_node
    inner join seeds as to_seed on to_seed.node_id = edges.to_node
    where not exists (
            select 1 from kept_apart
            where (kept_apart.node_id_a = edges.from_node and kept_apart.node_id_b = edges.to_node)
                or (kept_apart.node_id_b = edges.from_node and kept_apart.node_id_a = edges.to_node)
        )
),

seed_labels as (
    select
        seeds.node_id,
        least(seeds.node_id, coalesce(min(seed_links.to_node), seeds.node_id)) as label
    from seeds
    left join seed_links on seed_links.from_node = seeds.node_id
    group by seeds.node_id
),

split_edges as (
    select edges.*
    from edges
    inner join components on components.node_id = edges.from_node
    inner join split_components on split_components.component = components.component
),

split_0 as (
    select
        components.node_id,
        seed_labels.label
    from components
    inner join split_components on split_components.component = components.component
    left join seed_labels on seed_labels.node_id = components.node_id
),

{% for round in range(1, rounds + 1) %}
split_{{ round }} as (
    select
        node_id,
        label
    from split_{{ round - 1 }}
    where label is not null
    union all
    select
        node_id,
        label
    from (
        select
            unlabelled.node_id,
            neighbour.label,
            row_number() over (
                partition by unlabelled.node_id
                order by neighbour.label is null, split_edges.match_weight desc, neighbour.label asc
            ) as preference
        from split_{{ round - 1 }} as unlabelled
        left join split_edges on split_edges.from_node = unlabelled.node_id
        left join split_{{ round - 1 }} as neighbour
            on neighbour.node_id = split_edges.to_node and neighbour.label is not null
        where unlabelled.label is null
    ) as offers
    where preference = 1
),
{% endfor %}

people as (
    select
        components.*,
        coalesce(split_{{ rounds }}.label, components.component) as person_label
    from components
    left join split_{{ rounds }} on split_{{ rounds }}.node_id = components.node_id
),

anchors as (
    select
        person_label,
        {{ min_by('record_key',
            "coalesce(cast(first_seen_at as varchar), '9999-12-31') || '|' || coalesce(cast(record_date as varchar), '9999-12-31') || '|' || record_key") }}
            as anchor_record_key
    from people
    group by person_label
),

named as (
    select
        people.*,
        anchors.anchor_record_key
    from people
    inner join anchors on anchors.person_label = people.person_label
)

select
    record_key,
    node_id,
    person_label as cluster_node_id,
    component as linked_component_node_id,
    person_label <> component
    or component in (select split_components.component from split_components) as was_split_by_guard,
    anchor_record_key,
    {{ hash_id('C', 'anchor_record_key') }} as candidate_id
from named
