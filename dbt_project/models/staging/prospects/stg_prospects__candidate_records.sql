{#- Sourced prospects in the canonical candidate-record shape (int_candidate_records_unioned). -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with prospects as (
    select * from {{ ref('stg_prospects__prospects') }}
)

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
    cast(null as date) as birth_date,
    cast(null as varchar) as gender,
    cast(null as varchar) as prefecture,
    cast(null as varchar) as postal_code_raw,
    cast(null as varchar) as address_raw,
    cast(null as varchar) as desired_job_type,
    cast(null as integer) as years_experience,
    skills_raw as skills,
    is_marketing_opt_in,
    case when is_marketing_opt_in then coalesce(found_date, cast(loaded_at as date)) end as marketing_opt_in_date,
    cast(null as boolean) as has_relay_consent
from prospects
