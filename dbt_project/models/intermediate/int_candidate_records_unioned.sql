{#- Every candidate-bearing source record in one shape, with identifiers normalised for matching.
    Raw values stay beside the normalised ones so every match can be checked against what the source wrote.
    Each source's staging folder emits its records as stg_<source>__candidate_records (vars.sources in
    dbt_project.yml); they are unioned here by column name. -#}

with unioned as (
    {{ union_canonical_models('candidate_records', [
        'source',
        'source_record_id',
        'source_trust_rank',
        'record_date',
        'family_name',
        'given_name',
        'family_name_kana',
        'given_name_kana',
        'email_raw',
        'phone_raw',
        'phone2_raw',
        'birth_date_raw',
        'birth_date',
        'gender',
        'prefecture',
        'postal_code_raw',
        'address_raw',
        'desired_job_type',
        'years_experience',
        'skills',
        'is_marketing_opt_in',
        'marketing_opt_in_date',
        'has_relay_consent',
    ]) }}
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
    birth_date,
    gender,
    prefecture,
    nullif({{ regex_replace_all(fold_width('postal_code_raw'), '[^0-9]', '') }}, '') as postal_code,
    address_raw,
    desired_job_type,
    years_experience,
    skills,
    is_marketing_opt_in,
    marketing_opt_in_date,
    has_relay_consent
from unioned
