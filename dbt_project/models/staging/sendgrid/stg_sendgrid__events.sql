with source as (
    select * from {{ source('sendgrid', 'sendgrid_events') }}
),

first_delivery as (
    -- the webhook retries: one row per sg_event_id, the first landed
    select *, row_number() over (partition by source_record_id order by loaded_at, load_id, record_position) as delivery_rank
    from source
)

select
    source_record_id as event_id,
    {{ json_str('record', '$.event') }} as event_type,
    {{ normalize_email(json_str('record', '$.email')) }} as email,
    {{ json_str('record', '$.sg_message_id') }} as message_id,
    {{ json_str('record', '$.campaign_id') }} as campaign_id,
    {{ json_str('record', '$.candidate_id') }} as candidate_id,
    {{ json_str('record', '$.reason') }} as reason,
    {{ json_str('record', '$.type') }} as bounce_type,
    {{ json_str('record', '$.url') }} as url,
    coalesce({{ try_cast_as(json_str('record', '$.sg_machine_open'), 'boolean') }}, false) as is_machine_open,
    -- epoch seconds; a value that is not one is emptied and recorded (stg_sendgrid__field_issues)
    {{ blank_to_null(json_str('record', '$.timestamp')) }} as timestamp_raw,
    {{ epoch_s_to_timestamp(json_str('record', '$.timestamp')) }} as occurred_at,
    load_id,
    loaded_at,
    file,
    record_position
from first_delivery
where delivery_rank = 1
