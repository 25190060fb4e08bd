with latest as (
    {{ latest_version(source('indeed', 'indeed_applications')) }}
),

renamed as (
    select
        'indeed' as source,
        source_record_id,
        load_id,
        loaded_at,
        file,
        record_position,
        {{ blank_to_null(json_str('record', '$.applicant.fullName')) }} as full_name,
        {{ blank_to_null(json_str('record', '$.applicant.resume.json.lastName')) }} as family_name_hint,
        {{ blank_to_null(json_str('record', '$.applicant.resume.json.firstName')) }} as given_name_hint,
        {{ blank_to_null(json_str('record', '$.applicant.email')) }} as email_raw,
        {{ blank_to_null(json_str('record', '$.applicant.phoneNumber')) }} as phone_raw,
        {{ blank_to_null(json_str('record', '$.applicant.resume.json.location.city')) }} as location_raw,
        {{ blank_to_null(json_str('record', '$.applicant.resume.json.headline')) }} as headline,
        {{ blank_to_null(json_str('record', '$.applicant.resume.json.skills')) }} as skills_raw,
        -- the resume's first listed position; its start year dates the career
        {{ try_cast_as(json_str('record', '$.applicant.resume.json.positions.values[0].startDateYear'), 'integer') }} as career_start_year,
        {{ blank_to_null(json_str('record', '$.locale')) }} as locale,
        {{ blank_to_null(json_str('record', '$.job.jobMeta')) }} as job_id,
        {{ blank_to_null(json_str('record', '$.job.jobTitle')) }} as job_title,
        {{ blank_to_null(json_str('record', '$.questionsAndAnswers[0].answer')) }} as marketing_answer,
        -- epoch milliseconds; a value that is not one is emptied and recorded (stg_indeed__field_issues)
        {{ blank_to_null(json_str('record', '$.appliedOnMillis')) }} as applied_on_millis_raw,
        {{ epoch_ms_to_timestamp(json_str('record', '$.appliedOnMillis')) }} as applied_at
    from latest
)

select
    *,
    {{ answer_to_boolean('marketing_answer') }} as is_marketing_opt_in
from renamed
