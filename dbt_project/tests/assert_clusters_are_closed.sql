-- Clustering is complete when no link joins two different clusters. A row here means more
-- label-propagation rounds are needed (raise var cluster_rounds).
select matched.record_key, matched.anchor_record_key
from {{ ref('int_candidate_records_matched') }} as matched
inner join {{ ref('int_candidate_records_clustered') }} as a on a.record_key = matched.record_key
inner join {{ ref('int_candidate_records_clustered') }} as b on b.record_key = matched.anchor_record_key
where a.cluster_node_id <> b.cluster_node_id
