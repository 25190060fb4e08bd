{#- The referrals about to be provided to Career Relay: recently rejected people (same window as the
    rejection mail), one referral per person for their latest rejection, whom the referral rules of
    macros/outbound/may_be_mailed.sql allow: consent to the provision of their data to Career Relay (Japan's
    APPI) held by a landed record of theirs, not hired since, not erased, never provided before (the
    provision log). Only the data items listed in the provision log leave; birth date, gender and address
    never do. The send gate checks every row against the same rules right before the push
    (relay_referral_batch_checks). -#}
with rejections as (
    {{ recent_rejections() }}
),

candidates as (
    select * from {{ ref('candidates') }}
),

-- one referral per person: their latest rejection in the window
latest as (
    select *
    from rejections
    qualify row_number() over (partition by candidate_id order by closed_date desc, application_key asc) = 1
),

planned as (
    select
        latest.candidate_id,
        latest.application_key,
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
        latest.closed_date
    from latest
    inner join candidates on candidates.candidate_id = latest.candidate_id
)

select planned.*
from planned
inner join candidates on candidates.candidate_id = planned.candidate_id
where {{ rules_hold('referral', 'planned', 'candidates') }}
