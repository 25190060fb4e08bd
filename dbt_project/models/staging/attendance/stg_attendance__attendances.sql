with latest as (
    {{ latest_version(source('attendance', 'event_attendance')) }}
)

select
    source_record_id as attendance_id,
    {{ blank_to_null(json_str('record', '$.event_date')) }} as event_date_raw,
    {{ try_cast_as(json_str('record', '$.event_date'), 'date') }} as event_date,
    {{ json_str('record', '$.event_name') }} as event_name,
    {{ blank_to_null(json_str('record', '$.name')) }} as attendee_name,
    {{ normalize_email(json_str('record', '$.email')) }} as email,
    lower(coalesce({{ json_str('record', '$.attended') }}, '')) in ('true', 'yes', '1', '出席') as has_attended,
    load_id,
    loaded_at,
    file,
    record_position
from latest
