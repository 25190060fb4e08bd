{#- contract: one row per candidate: the profile a recruiter opens. Every application from every source in
    one line each (date, job, outcome, stage reached, reason), interview evaluations, skills, the job type
    they want, region, experience, engagement and tags from the seed tag_taxonomy. -#}

with candidates as (
    select * from {{ ref('candidates') }}
),

applications as (
    select * from {{ ref('applications') }}
),

history as (
    select
        candidate_id,
        count(*) as applications,
        count(distinct source) as application_sources,
        min(applied_at) as first_applied_at,
        max(applied_at) as last_applied_at,
        string_agg(
            coalesce(cast(cast(applied_at as date) as varchar), '?') || ' ' || coalesce(job_title, 'no job given')
            || ' (' || channel || '): ' || status
            || coalesce(', reached ' || stage_name, '') || coalesce(', ' || rejection_reason, ''),
            ' | ' order by applied_at
        ) as application_history
    from applications
    group by candidate_id
),

evaluations as (
    select
        candidate_id,
        count(*) as evaluations,
        round(avg(recommendation_score), 2) as average_recommendation_score,
        {{ max_by('overall_recommendation', 'coalesce(interviewed_at, submitted_at)') }} as latest_recommendation,
        string_agg(
            coalesce(cast(cast(coalesce(interviewed_at, submitted_at) as date) as varchar), '?') || ' '
            || coalesce(interview, 'interview') || coalesce(' (' || job_title || ')', '') || ': '
            || coalesce(overall_recommendation, 'no recommendation')
            || coalesce('; strengths ' || strengths, '') || coalesce('; concerns ' || concerns, ''),
            ' | ' order by coalesce(interviewed_at, submitted_at)
        ) as evaluation_history
    from {{ ref('candidate_evaluations') }}
    group by candidate_id
),

taxonomy as (
    select * from {{ ref('tag_taxonomy') }}
),

skill_keys as (
    select
        candidate_id,
        {{ item_set_key(nfkc('skills'), '[[:space:]]*[,、/][[:space:]]*') }} as skills_key
    from candidates
),

earned as (
    select
        candidates.candidate_id,
        taxonomy.tag
    from candidates
    inner join taxonomy on taxonomy.tag_type = 'job_type' and taxonomy.match_value = candidates.job_family
    union
    select
        skill_keys.candidate_id,
        taxonomy.tag
    from skill_keys
    inner join
        taxonomy
        on taxonomy.tag_type = 'skill' and {{ list_has('skill_keys.skills_key', 'taxonomy.match_value') }}
    union
    select
        applications.candidate_id,
        taxonomy.tag
    from applications
    inner join taxonomy on taxonomy.tag_type = 'channel' and taxonomy.match_value = applications.channel
),

tags as (
    select
        candidate_id,
        {{ list_distinct('tag') }} as tags
    from earned
    group by candidate_id
),

scores as (
    select
        candidate_id,
        engagement_score
    from {{ ref('candidate_scores') }}
)

select
    candidates.candidate_id,
    candidates.display_name,
    candidates.desired_job_type,
    candidates.job_family,
    candidates.prefecture,
    candidates.years_experience,
    candidates.skills,
    coalesce(history.applications, 0) as applications,
    coalesce(history.application_sources, 0) as application_sources,
    history.first_applied_at,
    history.last_applied_at,
    history.application_history,
    coalesce(evaluations.evaluations, 0) as evaluations,
    evaluations.average_recommendation_score,
    evaluations.latest_recommendation,
    evaluations.evaluation_history,
    candidates.is_hired,
    candidates.has_been_rejected,
    candidates.has_declined,
    scores.engagement_score,
    tags.tags,
    candidates.sources
from candidates
left join history on history.candidate_id = candidates.candidate_id
left join evaluations on evaluations.candidate_id = candidates.candidate_id
left join tags on tags.candidate_id = candidates.candidate_id
left join scores on scores.candidate_id = candidates.candidate_id
