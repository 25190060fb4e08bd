with latest as (
    {{ latest_version(source('prospects', 'prospects')) }}
),

renamed as (
    select
        'prospects' as source,
        source_record_id,
        load_id,
        loaded_at,
        file,
        record_position,
        coalesce({{ blank_to_null(json_str('record', '$.name')) }}, {{ blank_to_null(json_key('record', '氏名')) }})
            as full_name,
        {{ blank_to_null(json_str('record', '$.name_kana')) }} as name_kana,
        {{ blank_to_null(json_str('record', '$.profile_url')) }} as profile_url,
        {{ blank_to_null(json_str('record', '$.email')) }} as email_raw,
        {{ blank_to_null(json_str('record', '$.phone')) }} as phone_raw,
        {{ blank_to_null(json_str('record', '$.skills')) }} as skills_raw,
        {{ blank_to_null(json_str('record', '$.channel')) }} as channel,
        {{ blank_to_null(json_str('record', '$.found_at')) }} as found_date_raw,
        lower(trim({{ json_str('record', '$.consent') }})) as consent_state
    from latest
)

select
    *,
    {{ plausible_jp_date('found_date_raw', 'event_date') }} as found_date,
    -- opted_in is consent, declined is a no, not_asked is not consent but not a no either
    {{ answer_to_boolean('consent_state') }} as is_marketing_opt_in
from renamed
