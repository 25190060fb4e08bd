{#- contract: one row per (open job, person to call): for each open job the best-fitting, most engaged
    talent-pool people who may be contacted, at most var('call_list_size') per job, best first, with the
    reasons in words. From marts.job_matches (the best matches of each open job), keeping only people the
    mail rules allow to be contacted (an address, opted in, not hired, not suppressed, not erased:
    macros/outbound/may_be_mailed.sql) and not rejected people still inside their cool-off. -#}
{%- set as_of = var('as_of_date') -%}

with matches as (
    select * from {{ ref('job_matches') }}
),

candidates as (
    select * from {{ ref('candidates') }}
),

pool as (
    select
        candidate_id,
        pool_reason,
        reapply_eligible_date
    from {{ ref('talent_pool') }}
),

scores as (
    select
        candidate_id,
        human_opens,
        human_clicks,
        human_replies,
        last_engaged_at
    from {{ ref('candidate_scores') }}
),

contactable as (
    select
        matches.job_id,
        matches.job_title,
        matches.candidate_id,
        candidates.display_name,
        matches.pool_status,
        matches.fit_score,
        coalesce(matches.engagement_score, 0) as engagement_score,
        scores.last_engaged_at,
        matches.match_reason,
        pool.pool_reason as history_reason,
        case
            when coalesce(scores.human_opens, 0) + coalesce(scores.human_clicks, 0) + coalesce(scores.human_replies, 0)
                = 0
                then 'no mail opened yet'
            else concat_ws(
                    ', ',
                    case
                        when scores.human_opens > 0
                            then 'opened ' || cast(scores.human_opens as varchar)
                                || case when scores.human_opens = 1 then ' mail' else ' mails' end
                    end,
                    case when scores.human_clicks > 0 then 'clicked ' || cast(scores.human_clicks as varchar) end,
                    case when scores.human_replies > 0 then 'replied ' || cast(scores.human_replies as varchar) end
                )
        end as engagement_reason,
        case
            when matches.latest_recommendation is not null
                then 'last interview verdict: ' || matches.latest_recommendation
        end as interview_note
    from matches
    inner join candidates on candidates.candidate_id = matches.candidate_id
    left join pool on pool.candidate_id = matches.candidate_id
    left join scores on scores.candidate_id = matches.candidate_id
    where
        {{ rules_hold('mail', 'candidates', 'candidates') }}
        and (pool.reapply_eligible_date is null or pool.reapply_eligible_date <= cast('{{ as_of }}' as date))
),

ranked as (
    select
        *,
        row_number() over (
            partition by job_id
            order by fit_score desc, engagement_score desc, candidate_id asc
        ) as call_rank
    from contactable
)

select
    job_id,
    job_title,
    call_rank,
    candidate_id,
    display_name,
    pool_status,
    fit_score,
    engagement_score,
    last_engaged_at,
    match_reason,
    engagement_reason,
    history_reason,
    interview_note,
    concat_ws(' / ', match_reason, engagement_reason, history_reason, interview_note) as reasons
from ranked
where call_rank <= {{ var('call_list_size') }}
