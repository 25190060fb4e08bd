with latest as (
    {{ latest_version(source('lever', 'lever_opportunities')) }}
),

renamed as (
    select
        'lever' as source,
        source_record_id,
        load_id,
        loaded_at,
        file,
        record_position,
        {{ blank_to_null(json_str('record', '$.name')) }} as full_name,
        {{ json_str('record', '$.contact') }} as lever_contact_id,
        {{ blank_to_null(json_str('record', '$.emails[0]')) }} as email_raw,
        {{ blank_to_null(json_str('record', '$.phones[0].value')) }} as phone_raw,
        {{ blank_to_null(json_str('record', '$.location')) }} as location_raw,
        {{ blank_to_null(json_str('record', '$.headline')) }} as headline,
        {{ json_str('record', '$.tags') }} as tags_json,
        {{ json_str('record', '$.origin') }} as origin,
        -- times are epoch milliseconds; one that is not is emptied and recorded (stg_lever__field_issues)
        {{ blank_to_null(json_str('record', '$.createdAt')) }} as created_at_raw,
        {{ blank_to_null(json_str('record', '$.updatedAt')) }} as updated_at_raw,
        {{ blank_to_null("coalesce(" ~ json_str('record', '$.archived.archivedAt') ~ ", "
                         ~ json_str('record', '$.archivedAt') ~ ")") }} as archived_at_raw,
        {{ epoch_ms_to_timestamp(json_str('record', '$.createdAt')) }} as created_at,
        {{ epoch_ms_to_timestamp(json_str('record', '$.updatedAt')) }} as updated_at,
        {{ epoch_ms_to_timestamp("coalesce(" ~ json_str('record', '$.archived.archivedAt') ~ ", "
                                  ~ json_str('record', '$.archivedAt') ~ ")") }} as archived_at,
        coalesce({{ json_str('record', '$.archived.reason') }}, {{ json_str('record', '$.archiveReason') }})
            as archive_reason,
        {{ try_cast_as(json_str('record', '$.dataProtection.contact.allowed'), 'boolean') }} as is_contact_allowed
    from latest
)

select
    *,
    case
        when archived_at is null and archive_reason is null then 'active'
        when lower(archive_reason) = 'hired' then 'hired'
        else 'rejected'
    end as status
from renamed
