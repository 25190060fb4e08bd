with latest as (
    {{ latest_version(source('jobs', 'job_postings')) }}
)

select
    source_record_id as job_id,
    {{ json_str('record', '$.title') }} as job_title,
    {{ json_str('record', '$.occupationalCategory') }} as job_family,
    {{ json_str('record', '$.skills') }} as skills_raw,
    {{ json_str('record', '$.jobLocation.address.addressRegion') }} as prefecture,
    {{ json_str('record', '$.jobLocation.address.addressLocality') }} as locality,
    {{ json_str('record', '$.employmentType') }} as employment_type,
    {{ try_cast_as(json_str('record', '$.experienceRequirements.monthsOfExperience'), 'integer') }} as min_experience_months,
    {{ blank_to_null(json_str('record', '$.datePosted')) }} as posted_date_raw,
    {{ try_cast_as(json_str('record', '$.datePosted'), 'date') }} as posted_date,
    {{ blank_to_null(json_str('record', '$.validThrough')) }} as valid_through_raw,
    {{ iso_to_utc_timestamp(json_str('record', '$.validThrough')) }} as valid_through_at,
    load_id,
    loaded_at,
    file,
    record_position
from latest
