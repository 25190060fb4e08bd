{#- Who the talent-pool nurture mail may go to: rejected or declined before, never hired, opted in to
    recruiting email, with an address that is not suppressed. One row per candidate, with the segment. -#}

select
    candidates.candidate_id,
    candidates.email,
    candidates.display_name,
    candidates.job_family as segment,
    case when candidates.has_declined then 'declined' else 'rejected' end as pool_reason,
    candidates.marketing_consent_source,
    candidates.marketing_consent_date
from {{ ref('candidates') }} as candidates
left join {{ ref('email_suppressions') }} as suppressions on suppressions.email = candidates.email
where (candidates.has_been_rejected or candidates.has_declined)
  and not candidates.is_hired
  and candidates.is_marketing_opt_in
  and candidates.email is not null
  and candidates.job_family is not null
  and suppressions.email is null
