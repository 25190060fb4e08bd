with latest as (
    -- merge semantics: the newest landed version of each candidate id wins
    {{ latest_version(source('greenhouse', 'greenhouse_candidates')) }}
),

renamed as (
    select
        -- ids
        'greenhouse' as source,
        source_record_id,
        load_id,
        loaded_at,
        file,
        record_position,

        -- names
        {{ blank_to_null(json_str('record', '$.last_name')) }} as family_name,
        {{ blank_to_null(json_str('record', '$.first_name')) }} as given_name,
        {{ blank_to_null(json_str('record', '$.keyed_custom_fields.name_kana.value')) }} as name_kana,

        -- contact
        {{ blank_to_null(json_str('record', '$.email_addresses[0].value')) }} as email_raw,
        {{ blank_to_null(json_str('record', '$.phone_numbers[0].value')) }} as phone_raw,
        {{ blank_to_null(json_str('record', '$.addresses[0].value')) }} as address_raw,

        -- profile
        {{ blank_to_null(json_str('record', '$.keyed_custom_fields.birth_date.value')) }} as birth_date_raw,
        {{ blank_to_null(json_str('record', '$.keyed_custom_fields.desired_job_type.value')) }} as desired_job_type,
        {{ try_cast_as(
            json_str('record', '$.keyed_custom_fields.years_experience.value'), 'integer'
        ) }} as years_experience,
        {{ json_str('record', '$.tags') }} as tags_json,

        -- consent (consent_answer: a value it cannot read is no consent, and a field issue)
        {{ json_str('record', '$.keyed_custom_fields.marketing_opt_in.value') }} as marketing_answer,
        {{ json_str('record', '$.can_email') }} as can_email_answer,
        {{ json_str('record', '$.keyed_custom_fields.career_relay_consent.value') }} as relay_answer,
        coalesce(
            {{ consent_answer(json_str('record', '$.keyed_custom_fields.marketing_opt_in.value')) }},
            {{ consent_answer(json_str('record', '$.can_email')) }}
        ) as is_marketing_opt_in,
        {{ try_cast_as(
            json_str('record', '$.keyed_custom_fields.marketing_opt_in_at.value'), 'date'
        ) }} as marketing_opt_in_date,
        {{ consent_answer(json_str('record', '$.keyed_custom_fields.career_relay_consent.value')) }}
            as has_relay_consent,

        -- timestamps; one that is not is emptied and recorded (stg_greenhouse__field_issues)
        {{ blank_to_null(json_str('record', '$.created_at')) }} as created_at_raw,
        {{ blank_to_null(json_str('record', '$.updated_at')) }} as updated_at_raw,
        {{ iso_to_utc_timestamp(json_str('record', '$.created_at')) }} as created_at,
        {{ iso_to_utc_timestamp(json_str('record', '$.updated_at')) }} as updated_at
    from latest
)

select * from renamed
