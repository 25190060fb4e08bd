{#- The rejection mail (お祈りメール) about to go out: one per rejected application closed in the last
    var('rejection_window_days') days, to people the rejection rules of macros/outbound/may_be_mailed.sql
    allow (an address, opted in, not hired since, not suppressed, not erased; that rejection never mailed
    before). The send step adds each person's Career Relay link and sends exactly these rows, after the send
    gate has checked them against the same rules (rejection_mail_batch_checks). -#}
with rejections as (
    {{ recent_rejections() }}
),

candidates as (
    select * from {{ ref('candidates') }}
),

planned as (
    select
        rejections.candidate_id,
        candidates.email,
        candidates.display_name,
        'rejection' as campaign_id,
        rejections.application_key as step,
        rejections.application_key,
        rejections.job_title,
        rejections.job_family,
        rejections.closed_date,
        candidates.marketing_consent_source,
        candidates.has_relay_consent,
        {{ utc_now() }} as batch_built_at
    from rejections
    inner join candidates on candidates.candidate_id = rejections.candidate_id
)

select planned.*
from planned
inner join candidates on candidates.candidate_id = planned.candidate_id
where {{ rules_hold('rejection', 'planned', 'candidates') }}
