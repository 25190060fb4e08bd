{#- Greenhouse candidates in the canonical candidate-record shape (int_candidate_records_unioned). -#}
{{ config(materialized='view') }}  {#- read once, by the union: cheaper as a view -#}

with candidates as (
    select * from {{ ref('stg_greenhouse__candidates') }}
)

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
    {{ plausible_jp_date('birth_date_raw', 'birth_date') }} as birth_date,
    cast(null as varchar) as gender,
    {{ regex_group('address_raw', '(北海道|東京都|大阪府|京都府|[^ 〒0-9-]{2,3}県)', 1) }} as prefecture,
    {{ regex_group('address_raw', '([0-9]{3}-?[0-9]{4})', 1) }} as postal_code_raw,
    address_raw,
    desired_job_type,
    years_experience,
    {{ regex_replace_all(regex_replace_all('tags_json', '[\\[\\]"]', ''), ',', ', ') }} as skills,
    is_marketing_opt_in,
    marketing_opt_in_date,
    has_relay_consent
from candidates
