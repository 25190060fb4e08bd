-- Fails when two records a reviewer marked 'cannot_link' (seed identity_decisions) share a candidate.
select
    decisions.record_key_a,
    decisions.record_key_b
from {{ ref('identity_decisions') }} as decisions
inner join {{ ref('candidate_crosswalk') }} as a on a.record_key = decisions.record_key_a
inner join {{ ref('candidate_crosswalk') }} as b on b.record_key = decisions.record_key_b
where decisions.decision = 'cannot_link'
    and a.candidate_id = b.candidate_id
