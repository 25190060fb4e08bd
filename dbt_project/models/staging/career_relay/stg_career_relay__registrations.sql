with latest as (
    {{ latest_version(source('career_relay', 'career_relay_registrations')) }}
)

select
    source_record_id as registration_id,
    {{ blank_to_null(json_str('record', '$.tracking_token')) }} as tracking_token,
    {{ blank_to_null(json_str('record', '$.company_id')) }} as company_id,
    {{ blank_to_null(json_str('record', '$.registered_at')) }} as registered_at_raw,
    {{ iso_to_utc_timestamp(json_str('record', '$.registered_at')) }} as registered_at,
    source,
    load_id,
    loaded_at,
    file,
    record_position
from latest
