{#- One row per Greenhouse scorecard (the newest landed version): the interviewer's overall recommendation
    and which attributes they rated well or badly. Free-text answers and notes ("Private Notes" among them)
    and who wrote the scorecard stay in Greenhouse: the profile needs the verdict, not the prose. -#}

with latest as (
    {{ latest_version(source('greenhouse', 'greenhouse_scorecards')) }}
),

renamed as (
    select
        source_record_id as scorecard_id,
        {{ json_str('record', '$.candidate_id') }} as greenhouse_candidate_id,
        {{ json_str('record', '$.application_id') }} as application_id,
        coalesce({{ json_str('record', '$.interview_step.name') }}, {{ json_str('record', '$.interview') }}) as interview,
        {{ blank_to_null(json_str('record', '$.interviewed_at')) }} as interviewed_at_raw,
        {{ blank_to_null(json_str('record', '$.submitted_at')) }} as submitted_at_raw,
        {{ iso_to_utc_timestamp(json_str('record', '$.interviewed_at')) }} as interviewed_at,
        {{ iso_to_utc_timestamp(json_str('record', '$.submitted_at')) }} as submitted_at,
        lower({{ json_str('record', '$.overall_recommendation') }}) as overall_recommendation,
        {{ json_string_list('record', '$.ratings.strong_yes') }} as rated_strong_yes,
        {{ json_string_list('record', '$.ratings.yes') }} as rated_yes,
        {{ json_string_list('record', '$.ratings.no') }} as rated_no,
        {{ json_string_list('record', '$.ratings.definitely_not') }} as rated_definitely_not,
        load_id,
        loaded_at,
        file,
        record_position
    from latest
)

select
    scorecard_id,
    greenhouse_candidate_id,
    application_id,
    interview,
    interviewed_at_raw,
    interviewed_at,
    submitted_at_raw,
    submitted_at,
    overall_recommendation,
    -- Greenhouse's five-point verdict as a number; no_decision (and anything unknown) is no verdict
    case overall_recommendation
        when 'strong_yes' then 2
        when 'yes' then 1
        when 'mixed' then 0
        when 'no' then -1
        when 'definitely_not' then -2
    end as recommendation_score,
    nullif(concat_ws(', ', rated_strong_yes, rated_yes), '') as strengths,
    nullif(concat_ws(', ', rated_definitely_not, rated_no), '') as concerns,
    load_id,
    loaded_at,
    file,
    record_position
from renamed
