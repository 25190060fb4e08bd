-- Fails when a matched pair ended in different linked components: the label-propagation rounds
-- (var cluster_rounds) were not enough for the longest chain in the data.
select
    matches.record_key_l,
    matches.record_key_r
from {{ ref('int_candidate_matches') }} as matches
inner join {{ ref('int_candidate_records_clustered') }} as l on l.node_id = matches.node_id_l
inner join {{ ref('int_candidate_records_clustered') }} as r on r.node_id = matches.node_id_r
where matches.decision in ('match', 'must_link')
    and l.linked_component_node_id <> r.linked_component_node_id
