{#- Lever opportunities in the canonical candidate-record shape (int_candidate_records_unioned). -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with opportunities as (
    select * from {{ ref('stg_lever__opportunities') }}
)

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
    cast(null as date) as birth_date,
    cast(null as varchar) as gender,
    {{ regex_group('location_raw', '^(北海道|東京都|大阪府|京都府|[^ 0-9]{2,3}県)', 1) }} as prefecture,
    cast(null as varchar) as postal_code_raw,
    location_raw as address_raw,
    cast(null as varchar) as desired_job_type,
    cast(null as integer) as years_experience,
    {{ regex_replace_all(regex_replace_all('tags_json', '[\\[\\]"]', ''), ',', ', ') }} as skills,
    is_contact_allowed as is_marketing_opt_in,
    case when is_contact_allowed then cast(created_at as date) end as marketing_opt_in_date,
    cast(null as boolean) as has_relay_consent
from opportunities
