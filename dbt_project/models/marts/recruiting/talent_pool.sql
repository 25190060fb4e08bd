{#- contract: one row per candidate who can be approached again: everyone not hired and not suppressed
    (no bounce, block, spam report or unsubscribe on their current address) — prospects, rejected and
    declined people, past applicants, and people still in a process. -#}

with candidates as (
    select * from {{ ref('candidates') }}
),

suppressed as (
    select email from {{ ref('email_suppressions') }}
),

applications as (
    select * from {{ ref('applications') }}
),

open_applications as (
    select
        candidate_id,
        count(*) as open_applications
    from applications
    where status = 'active'
    group by candidate_id
),

-- the latest rejection or decline decides when the person may be approached
closed as (
    select
        candidate_id,
        max(reapply_eligible_date) as reapply_eligible_date,
        max(closed_date) as last_closed_date
    from {{ ref('rejections') }}
    group by candidate_id
),

scores as (
    select
        candidate_id,
        engagement_score,
        last_engaged_at
    from {{ ref('candidate_scores') }}
),

pooled as (
    select
        candidates.candidate_id,
        case
            when coalesce(open_applications.open_applications, 0) > 0 then 'in_process'
            when candidates.has_declined then 'declined'
            when candidates.has_been_rejected then 'rejected'
            when candidates.application_count = 0 then 'prospect'
            else 'past_applicant'
        end as pool_status,
        candidates.job_family,
        candidates.desired_job_type,
        candidates.prefecture,
        candidates.years_experience,
        candidates.skills,
        candidates.is_marketing_opt_in,
        candidates.marketing_consent_source,
        candidates.marketing_consent_date,
        candidates.has_relay_consent,
        closed.reapply_eligible_date,
        closed.last_closed_date,
        scores.engagement_score,
        {{ greatest_of([
            'candidates.last_applied_at', 'scores.last_engaged_at', 'cast(closed.last_closed_date as timestamp)'
        ]) }} as last_contact_at
    from candidates
    left join open_applications on open_applications.candidate_id = candidates.candidate_id
    left join closed on closed.candidate_id = candidates.candidate_id
    left join scores on scores.candidate_id = candidates.candidate_id
    where not candidates.is_hired
        and (candidates.email is null or candidates.email not in (select suppressed.email from suppressed))
)

select
    *,
    case pool_status
        when 'in_process' then 'has an application in progress'
        when 'declined' then 'declined an offer: the door is open'
        when
            'rejected'
            then 'rejected before: may re-apply from ' || coalesce(cast(reapply_eligible_date as varchar), 'now')
        when 'prospect' then 'found by a recruiter, never applied'
        else 'applied before, no outcome recorded'
    end as pool_reason,
    case
        when is_marketing_opt_in then 'may be mailed (' || coalesce(marketing_consent_source, 'unknown source') || ')'
        else 'no mail consent'
    end as consent_state
from pooled
