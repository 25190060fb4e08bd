{#- Agency candidates in the canonical candidate-record shape (int_candidate_records_unioned). -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with candidates as (
    select * from {{ ref('stg_agencies__candidates') }}
)

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
    {{ plausible_jp_date('birth_date_raw', 'birth_date') }} as birth_date,
    gender,
    prefecture,
    postal_code as postal_code_raw,
    address_raw,
    desired_job_type,
    years_experience,
    {{ regex_replace_all('skills_raw', '[、,]\\s*', ', ') }} as skills,
    is_marketing_opt_in,
    case when is_marketing_opt_in then coalesce(referred_date, cast(loaded_at as date)) end as marketing_opt_in_date,
    has_relay_consent
from candidates
