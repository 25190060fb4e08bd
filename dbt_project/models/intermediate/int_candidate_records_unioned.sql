{#- Every candidate-bearing source record in one shape, with identifiers normalised for matching.
    Raw values stay beside the normalised ones so every match can be checked against what the source wrote. -#}

with greenhouse as (
    select
        source,
        source_record_id,
        1 as source_trust_rank,
        cast(created_at as date) as record_date,
        family_name,
        given_name,
        {{ dbt.split_part('name_kana', "' '", 1) }} as family_name_kana,
        nullif({{ dbt.split_part('name_kana', "' '", 2) }}, '') as given_name_kana,
        email_raw,
        phone_raw,
        cast(null as varchar) as phone2_raw,
        birth_date_raw,
        cast(null as varchar) as gender,
        {{ regex_group('address_raw', '(北海道|東京都|大阪府|京都府|[^ 〒0-9-]{2,3}県)', 1) }} as prefecture,
        {{ regex_group('address_raw', '([0-9]{3}-?[0-9]{4})', 1) }} as postal_code,
        address_raw,
        desired_job_type,
        years_experience,
        {{ regex_replace_all(regex_replace_all('tags_json', '[\\[\\]"]', ''), ',', ', ') }} as skills,
        is_marketing_opt_in,
        marketing_opt_in_date,
        has_relay_consent
    from {{ ref('stg_greenhouse__candidates') }}
),

indeed as (
    select
        source,
        source_record_id,
        3 as source_trust_rank,
        cast(applied_at as date) as record_date,
        -- Indeed sends one name string: Japanese names family-first, Latin names given-first
        coalesce(family_name_hint, case
            when locale = 'en_US' then {{ regex_group('full_name', '([^ ]+)$', 1) }}
            else {{ dbt.split_part('full_name', "' '", 1) }}
        end) as family_name,
        coalesce(given_name_hint, case
            when locale = 'en_US' then {{ regex_group('full_name', '^([^ ]+) ', 1) }}
            else {{ regex_group('full_name', '^[^ ]+ (.+)$', 1) }}
        end) as given_name,
        cast(null as varchar) as family_name_kana,
        cast(null as varchar) as given_name_kana,
        email_raw,
        phone_raw,
        cast(null as varchar) as phone2_raw,
        cast(null as varchar) as birth_date_raw,
        cast(null as varchar) as gender,
        {{ regex_group('location_raw', '^(北海道|東京都|大阪府|京都府|[^ 0-9]{2,3}県)', 1) }} as prefecture,
        cast(null as varchar) as postal_code,
        location_raw as address_raw,
        headline as desired_job_type,
        extract(year from applied_at) - career_start_year as years_experience,
        skills_raw as skills,
        is_marketing_opt_in,
        case when is_marketing_opt_in then cast(applied_at as date) end as marketing_opt_in_date,
        cast(null as boolean) as has_relay_consent
    from {{ ref('stg_indeed__applications') }}
),

agencies as (
    select
        source,
        source_record_id,
        2 as source_trust_rank,
        coalesce(referred_date, cast(loaded_at as date)) as record_date,
        family_name,
        given_name,
        family_name_kana,
        given_name_kana,
        email_raw,
        phone_raw,
        phone2_raw,
        birth_date_raw,
        gender,
        prefecture,
        postal_code,
        address_raw,
        desired_job_type,
        years_experience,
        {{ regex_replace_all('skills_raw', '[、,]\\s*', ', ') }} as skills,
        is_marketing_opt_in,
        case when is_marketing_opt_in then coalesce(referred_date, cast(loaded_at as date)) end as marketing_opt_in_date,
        has_relay_consent
    from {{ ref('stg_agencies__candidates') }}
),

lever as (
    select
        source,
        source_record_id,
        1 as source_trust_rank,
        cast(created_at as date) as record_date,
        {{ split_full_name('full_name', 'family') }} as family_name,
        {{ split_full_name('full_name', 'given') }} as given_name,
        cast(null as varchar) as family_name_kana,
        cast(null as varchar) as given_name_kana,
        email_raw,
        phone_raw,
        cast(null as varchar) as phone2_raw,
        cast(null as varchar) as birth_date_raw,
        cast(null as varchar) as gender,
        {{ regex_group('location_raw', '^(北海道|東京都|大阪府|京都府|[^ 0-9]{2,3}県)', 1) }} as prefecture,
        cast(null as varchar) as postal_code,
        location_raw as address_raw,
        cast(null as varchar) as desired_job_type,
        cast(null as integer) as years_experience,
        {{ regex_replace_all(regex_replace_all('tags_json', '[\\[\\]"]', ''), ',', ', ') }} as skills,
        is_contact_allowed as is_marketing_opt_in,
        case when is_contact_allowed then cast(created_at as date) end as marketing_opt_in_date,
        cast(null as boolean) as has_relay_consent
    from {{ ref('stg_lever__opportunities') }}
),

ats_csv as (
    select
        source,
        source_record_id,
        1 as source_trust_rank,
        coalesce(applied_date, cast(loaded_at as date)) as record_date,
        family_name,
        given_name,
        family_name_kana,
        given_name_kana,
        email_raw,
        phone_raw,
        cast(null as varchar) as phone2_raw,
        birth_date_raw,
        cast(null as varchar) as gender,
        prefecture,
        cast(null as varchar) as postal_code,
        cast(null as varchar) as address_raw,
        desired_job_type,
        cast(null as integer) as years_experience,
        skills_raw as skills,
        is_marketing_opt_in,
        case when is_marketing_opt_in then coalesce(applied_date, cast(loaded_at as date)) end as marketing_opt_in_date,
        has_relay_consent
    from {{ ref('stg_ats_csv__candidates') }}
),

career_relay as (
    select
        source,
        source_record_id,
        2 as source_trust_rank,
        coalesce(referred_date, cast(loaded_at as date)) as record_date,
        family_name,
        given_name,
        family_name_kana,
        given_name_kana,
        email_raw,
        phone_raw,
        cast(null as varchar) as phone2_raw,
        birth_date_raw,
        cast(null as varchar) as gender,
        cast(null as varchar) as prefecture,
        cast(null as varchar) as postal_code,
        cast(null as varchar) as address_raw,
        desired_job_type,
        cast(null as integer) as years_experience,
        skills_raw as skills,
        is_marketing_opt_in,
        case when is_marketing_opt_in then coalesce(referred_date, cast(loaded_at as date)) end as marketing_opt_in_date,
        has_relay_consent
    from {{ ref('stg_career_relay__referrals') }}
),

prospects as (
    select
        source,
        source_record_id,
        4 as source_trust_rank,
        coalesce(found_date, cast(loaded_at as date)) as record_date,
        {{ split_full_name('full_name', 'family') }} as family_name,
        {{ split_full_name('full_name', 'given') }} as given_name,
        {{ split_full_name('name_kana', 'family') }} as family_name_kana,
        {{ split_full_name('name_kana', 'given') }} as given_name_kana,
        email_raw,
        phone_raw,
        cast(null as varchar) as phone2_raw,
        cast(null as varchar) as birth_date_raw,
        cast(null as varchar) as gender,
        cast(null as varchar) as prefecture,
        cast(null as varchar) as postal_code,
        cast(null as varchar) as address_raw,
        cast(null as varchar) as desired_job_type,
        cast(null as integer) as years_experience,
        skills_raw as skills,
        is_marketing_opt_in,
        case when is_marketing_opt_in then coalesce(found_date, cast(loaded_at as date)) end as marketing_opt_in_date,
        cast(null as boolean) as has_relay_consent
    from {{ ref('stg_prospects__prospects') }}
),

unioned as (
    select * from greenhouse
    union all
    select * from lever
    union all
    select * from ats_csv
    union all
    select * from indeed
    union all
    select * from agencies
    union all
    select * from career_relay
    union all
    select * from prospects
)

select
    source,
    source_record_id,
    source || ':' || source_record_id as record_key,
    -- records numbered by their own date: the earliest record of a person names the person
    row_number() over (order by coalesce(record_date, date '9999-12-31'), source, source_record_id) as node_id,
    source_trust_rank,
    record_date,
    family_name,
    given_name,
    family_name_kana,
    given_name_kana,
    email_raw,
    {{ normalize_email('email_raw') }} as email,
    phone_raw,
    {{ normalize_phone_jp('phone_raw') }} as phone,
    {{ normalize_phone_jp('phone2_raw') }} as phone2,
    birth_date_raw,
    case
        when {{ parse_jp_date('birth_date_raw') }} between date '1920-01-01' and date '{{ var("as_of_date") }}'
        then {{ parse_jp_date('birth_date_raw') }}
    end as birth_date,
    gender,
    prefecture,
    nullif({{ regex_replace_all(fold_width('postal_code'), '[^0-9]', '') }}, '') as postal_code,
    address_raw,
    desired_job_type,
    years_experience,
    skills,
    is_marketing_opt_in,
    marketing_opt_in_date,
    has_relay_consent
from unioned
