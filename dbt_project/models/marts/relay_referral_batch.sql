{#- The referrals about to be provided to Career Relay: recently rejected people (same window as the
    rejection mail) who consented to the provision of their data to Career Relay (Japan's APPI), not
    hired since, and never provided before (the provision log); one referral per person, for their latest
    rejection. Only the data items listed in
    the provision log leave; birth date, gender and address never do. The quality gate checks the consent
    of every row right before the push. -#}
with rejections as (
    {{ recent_rejections() }}
),

candidates as (
    select * from {{ ref('candidates') }}
),

erased as (
    select email from {{ ref('email_suppressions') }}
    where reasons like '%erasure_request%'
),

provided as (
    select candidate_id from {{ ref('stg_outbox__provisions') }}
    where recipient = 'career_relay'
),

-- one referral per person: their latest rejection in the window
latest as (
    select *
    from rejections
    qualify row_number() over (partition by candidate_id order by closed_date desc, application_key) = 1
)

select
    rejections.candidate_id,
    rejections.application_key,
    candidates.family_name,
    candidates.given_name,
    candidates.family_name_kana,
    candidates.given_name_kana,
    candidates.email,
    candidates.phone,
    candidates.prefecture,
    candidates.desired_job_type,
    candidates.years_experience,
    candidates.skills,
    candidates.has_relay_consent,
    candidates.relay_consent_record as consent_reference,
    rejections.closed_date
from latest as rejections
inner join candidates on candidates.candidate_id = rejections.candidate_id
where candidates.has_relay_consent
  and candidates.relay_consent_record is not null
  and not candidates.is_hired
  and (candidates.email is null or candidates.email not in (select email from erased))
  and rejections.candidate_id not in (select candidate_id from provided)
