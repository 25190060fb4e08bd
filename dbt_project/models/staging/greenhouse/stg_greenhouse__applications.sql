with latest as (
    {{ latest_version(source('greenhouse', 'greenhouse_applications')) }}
),

renamed as (
    select
        source_record_id as application_id,
        {{ json_str('record', '$.candidate_id') }} as greenhouse_candidate_id,
        {{ json_str('record', '$.status') }} as status,
        {{ json_str('record', '$.current_stage.name') }} as stage_name,
        {{ json_str('record', '$.rejection_reason.name') }} as rejection_reason,
        {{ json_str('record', '$.rejection_reason.type.name') }} as rejection_reason_type,
        {{ json_str('record', '$.jobs[0].id') }} as greenhouse_job_id,
        {{ json_str('record', '$.jobs[0].name') }} as job_title,
        {{ json_str('record', '$.custom_fields.job_requisition_id') }} as job_id,
        {{ json_str('record', '$.source.public_name') }} as channel,
        {{ blank_to_null(json_str('record', '$.applied_at')) }} as applied_at_raw,
        {{ blank_to_null(json_str('record', '$.rejected_at')) }} as rejected_at_raw,
        {{ blank_to_null(json_str('record', '$.last_activity_at')) }} as last_activity_at_raw,
        {{ iso_to_utc_timestamp(json_str('record', '$.applied_at')) }} as applied_at,
        {{ iso_to_utc_timestamp(json_str('record', '$.rejected_at')) }} as rejected_at,
        {{ iso_to_utc_timestamp(json_str('record', '$.last_activity_at')) }} as last_activity_at,
        load_id,
        loaded_at,
        file,
        record_position
    from latest
)

select
    *,
    -- Greenhouse keeps a candidate's own "no" as a rejection whose reason type is "They rejected us"
    (status = 'rejected' and rejection_reason_type = 'They rejected us') as is_declined,
    (status = 'rejected' and coalesce(rejection_reason_type, '') <> 'They rejected us') as is_rejected,
    (status = 'hired') as is_hired
from renamed
