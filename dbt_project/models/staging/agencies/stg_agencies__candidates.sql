{#- Agencies send doda-style Japanese headers or English ones; every column reads whichever is present. The
    header vocabulary is vars.agency_files in dbt_project.yml, which the connector and the raw gate read too. -#}
{%- set columns = var('agency_files')['columns'] -%}

with latest as (
    {{ latest_version(source('agencies', 'agency_candidates'), 'source, source_record_id') }}
),

renamed as (
    select
        source,
        source_record_id,
        load_id,
        loaded_at,
        file,
        record_position,
        {{ first_present_headers(columns) }}
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
    birth_date_raw,
    case
        when gender_raw in ('男', '男性', 'M', 'm', 'male', 'Male') then 'male'
        when gender_raw in ('女', '女性', 'F', 'f', 'female', 'Female') then 'female'
    end as gender,
    postal_code,
    prefecture,
    address_raw,
    email_raw,
    phone_raw,
    phone2_raw,
    desired_job_type,
    {{ try_cast_as(fold_width('years_experience_raw'), 'integer') }} as years_experience,
    skills_raw,
    referred_date_raw,
    {{ plausible_jp_date('referred_date_raw', 'event_date') }} as referred_date,
    marketing_answer,
    relay_answer,
    {{ consent_answer('marketing_answer') }} as is_marketing_opt_in,
    {{ consent_answer('relay_answer') }} as has_relay_consent,
    file,
    record_position
from renamed
