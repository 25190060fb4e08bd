with latest as (
    {{ latest_version(source('career_relay', 'career_relay_referrals')) }}
),

renamed as (
    select
        'career_relay' as source,
        source_record_id,
        load_id,
        loaded_at,
        {{ blank_to_null(json_str('record', '$.family_name')) }} as family_name,
        {{ blank_to_null(json_str('record', '$.given_name')) }} as given_name,
        {{ blank_to_null(json_str('record', '$.family_name_kana')) }} as family_name_kana,
        {{ blank_to_null(json_str('record', '$.given_name_kana')) }} as given_name_kana,
        {{ blank_to_null(json_str('record', '$.email')) }} as email_raw,
        {{ blank_to_null(json_str('record', '$.phone')) }} as phone_raw,
        {{ blank_to_null(json_str('record', '$.birth_date')) }} as birth_date_raw,
        {{ blank_to_null(json_str('record', '$.desired_job_type')) }} as desired_job_type,
        {{ blank_to_null(json_str('record', '$.skills')) }} as skills_raw,
        {{ blank_to_null(json_str('record', '$.referred_at')) }} as referred_date_raw,
        {{ answer_to_boolean(json_str('record', '$.marketing_opt_in')) }} as is_marketing_opt_in,
        {{ answer_to_boolean(json_str('record', '$.third_party_consent')) }} as has_relay_consent,
        file,
        record_position
    from latest
)

select
    source,
    source_record_id,
    load_id,
    loaded_at,
    family_name,
    given_name,
    family_name_kana,
    given_name_kana,
    email_raw,
    phone_raw,
    birth_date_raw,
    desired_job_type,
    skills_raw,
    referred_date_raw,
    {{ plausible_jp_date('referred_date_raw', 'event_date') }} as referred_date,
    is_marketing_opt_in,
    has_relay_consent,
    file,
    record_position
from renamed
