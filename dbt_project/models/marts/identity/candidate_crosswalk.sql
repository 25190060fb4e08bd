{#- contract: every landed candidate source record maps to exactly one candidate. -#}
select
    unioned.source,
    unioned.source_record_id,
    clustered.candidate_id,
    unioned.record_key,
    clustered.record_key = clustered.anchor_record_key as is_anchor_record
from {{ ref('int_candidate_records_unioned') }} as unioned
inner join {{ ref('int_candidate_records_clustered') }} as clustered
    on clustered.record_key = unioned.record_key
