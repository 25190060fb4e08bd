{#- Who the talent-pool nurture mail may go to, and which catalogue campaign (seeds/campaigns.csv) each person
    gets this month. The people: everyone allowed recruiting mail by the rules of
    macros/outbound/may_be_mailed.sql (an address, opted in, never hired, not suppressed, not erased) who was
    rejected or declined before with a known job family, or is in the talent pool as a prospect (sourced,
    never applied: mailed only with their recorded opt-in, like everyone). Past applicants (applied, no
    outcome recorded) are not nurtured, as before. Their segment comes from marts.segments.

    Their campaign: the active nurture campaign of lowest priority (ties by name) whose audience rules (job
    family, region, experience band, history, engagement band) all hold for them, offered only
    - while a job of their family is open (any open job for a prospect or anyone whose family is unknown): a
      mail about a family with nothing open only says "nothing for you", so nobody gets it;
    - after their cool-off: a rejected person inside it (reapply_eligible_date after the run date) is not
      invited to look at jobs they may not apply for yet (the re-application notice tells them when they may);
    - not to people with an application in progress (history in_process): the process speaks to them.
    A person no campaign picks stays here with an empty campaign (the consent-renewal mail reads this audience);
    nurture_batch sends only rows with a campaign. -#}

with candidates as (
    select * from {{ ref('candidates') }}
),

segments as (
    select * from {{ ref('segments') }}
),

pool as (
    select
        candidate_id,
        pool_status,
        reapply_eligible_date
    from {{ ref('talent_pool') }}
),

scores as (
    select
        candidate_id,
        engagement_score
    from {{ ref('candidate_scores') }}
),

open_jobs as (
    select
        job_family,
        count(*) as open_jobs
    from {{ ref('nurture_jobs') }}
    group by job_family
),

all_open_jobs as (
    select count(*) as open_jobs
    from {{ ref('nurture_jobs') }}
),

campaigns as (
    select * from {{ ref('campaigns') }}
    where kind = 'nurture' and active
),

people as (
    select
        candidates.candidate_id,
        candidates.email,
        candidates.display_name,
        coalesce(segments.segment_key, candidates.job_family) as segment,
        coalesce(segments.job_family, candidates.job_family, 'unknown') as job_family,
        coalesce(segments.region, 'unknown') as region,
        coalesce(segments.experience_band, 'unknown') as experience_band,
        case
            when segments.history is not null then {{ catalogue_history('segments.history') }}
            when candidates.has_declined then 'declined'
            else 'rejected'
        end as history,
        {{ engagement_band('scores.engagement_score') }} as engagement_band,
        case
            when candidates.has_declined then 'declined'
            when candidates.has_been_rejected then 'rejected'
            else 'prospect'
        end as pool_reason,
        pool.reapply_eligible_date,
        candidates.marketing_consent_source,
        candidates.marketing_consent_date
    from candidates
    left join segments on segments.candidate_id = candidates.candidate_id
    left join pool on pool.candidate_id = candidates.candidate_id
    left join scores on scores.candidate_id = candidates.candidate_id
    where
        (
            ((candidates.has_been_rejected or candidates.has_declined) and candidates.job_family is not null)
            or pool.pool_status = 'prospect'
        )
        and {{ rules_hold('mail', 'candidates', 'candidates') }}
),

eligible as (
    select
        people.*,
        coalesce(
            case when people.job_family = 'unknown' then all_open_jobs.open_jobs else open_jobs.open_jobs end, 0
        ) > 0 as has_open_job,
        people.history = 'rejected'
        and coalesce(people.reapply_eligible_date > cast('{{ var("as_of_date") }}' as date), false) as is_cooling_off
    from people
    cross join all_open_jobs
    left join open_jobs on open_jobs.job_family = people.job_family
),

matches as (
    select
        eligible.candidate_id,
        campaigns.campaign,
        row_number() over (
            partition by eligible.candidate_id order by campaigns.priority, campaigns.campaign
        ) as choice
    from eligible
    inner join campaigns
        on
            {{ catalogue_rule_holds('campaigns.job_family', 'eligible.job_family') }}
            and {{ catalogue_rule_holds('campaigns.region', 'eligible.region') }}
            and {{ catalogue_rule_holds('campaigns.experience_band', 'eligible.experience_band') }}
            and {{ catalogue_rule_holds('campaigns.history', 'eligible.history') }}
            and {{ catalogue_rule_holds('campaigns.engagement_band', 'eligible.engagement_band') }}
    where eligible.has_open_job
        and not eligible.is_cooling_off
        and eligible.history in ('rejected', 'declined', 'prospect')
)

select
    eligible.candidate_id,
    eligible.email,
    eligible.display_name,
    eligible.segment,
    eligible.job_family,
    eligible.region,
    eligible.experience_band,
    eligible.history,
    eligible.engagement_band,
    eligible.pool_reason,
    eligible.marketing_consent_source,
    eligible.marketing_consent_date,
    eligible.reapply_eligible_date,
    eligible.has_open_job,
    eligible.is_cooling_off,
    matches.campaign
from eligible
left join matches on matches.candidate_id = eligible.candidate_id and matches.choice = 1
