{#- Indeed applicants in the canonical candidate-record shape (int_candidate_records_unioned). -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with applications as (
    select * from {{ ref('stg_indeed__applications') }}
)

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
    cast(null as date) as birth_date,
    cast(null as varchar) as gender,
    {{ regex_group('location_raw', '^(北海道|東京都|大阪府|京都府|[^ 0-9]{2,3}県)', 1) }} as prefecture,
    cast(null as varchar) as postal_code_raw,
    location_raw as address_raw,
    headline as desired_job_type,
    extract(year from applied_at) - career_start_year as years_experience,
    skills_raw as skills,
    is_marketing_opt_in,
    case when is_marketing_opt_in then cast(applied_at as date) end as marketing_opt_in_date,
    cast(null as boolean) as has_relay_consent
from applications
