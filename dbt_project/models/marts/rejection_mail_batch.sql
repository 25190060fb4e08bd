{#- The rejection mail (お祈りメール) about to go out: one per rejected application closed in the last
    var('rejection_window_days') days, to people who opted in to recruiting email, have an address that is
    not suppressed and were not hired since; never twice for one application (the send ledger). The send
    step adds each person's Career Relay link and sends exactly these rows, after the quality gate. -#}
with rejections as (
    {{ recent_rejections() }}
),

candidates as (
    select * from {{ ref('candidates') }}
),

suppressions as (
    select email from {{ ref('email_suppressions') }}
),

sends as (
    select campaign_id, step from {{ ref('stg_outbox__sends') }}
    where campaign_id = 'rejection'
)

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
where candidates.is_marketing_opt_in
  and not candidates.is_hired
  and candidates.email is not null
  and candidates.email not in (select email from suppressions)
  and rejections.application_key not in (select step from sends)
