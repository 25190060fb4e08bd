{#- Who the talent-pool nurture mail may go to: rejected or declined before, with a known job family, and
    allowed recruiting mail by the rules of macros/outbound/may_be_mailed.sql (an address, opted in, never
    hired, not suppressed, not erased). One row per candidate, with the segment. -#}

with candidates as (
    select * from {{ ref('candidates') }}
)

select
    candidates.candidate_id,
    candidates.email,
    candidates.display_name,
    candidates.job_family as segment,
    case when candidates.has_declined then 'declined' else 'rejected' end as pool_reason,
    candidates.marketing_consent_source,
    candidates.marketing_consent_date
from candidates
where (candidates.has_been_rejected or candidates.has_declined)
    and candidates.job_family is not null
    and {{ rules_hold('mail', 'candidates', 'candidates') }}
