{#- Candidates from CSV-exporting ATS in the canonical candidate-record shape (int_candidate_records_unioned). -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with candidates as (
    select * from {{ ref('stg_ats_csv__candidates') }}
)

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
    {{ plausible_jp_date('birth_date_raw', 'birth_date') }} as birth_date,
    cast(null as varchar) as gender,
    prefecture,
    cast(null as varchar) as postal_code_raw,
    cast(null as varchar) as address_raw,
    desired_job_type,
    cast(null as integer) as years_experience,
    skills_raw as skills,
    is_marketing_opt_in,
    case when is_marketing_opt_in then coalesce(applied_date, cast(loaded_at as date)) end as marketing_opt_in_date,
    has_relay_consent
from candidates
