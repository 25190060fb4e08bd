with latest as (
    {{ latest_version(source('ats_csv', 'ats_csv_candidates'), 'source, source_record_id') }}
),

renamed as (
    select
        source,
        source_record_id,
        load_id,
        loaded_at,
        file,
        record_position,
        {{ blank_to_null(json_str('record', '$.full_name')) }} as full_name,
        {{ blank_to_null(json_str('record', '$.family_name')) }} as family_name_raw,
        {{ blank_to_null(json_str('record', '$.given_name')) }} as given_name_raw,
        {{ blank_to_null(json_str('record', '$.name_kana')) }} as name_kana,
        {{ blank_to_null(json_str('record', '$.email')) }} as email_raw,
        {{ blank_to_null(json_str('record', '$.phone')) }} as phone_raw,
        {{ blank_to_null(json_str('record', '$.birth_date')) }} as birth_date_raw,
        {{ blank_to_null(json_str('record', '$.prefecture')) }} as prefecture,
        {{ blank_to_null(json_str('record', '$.desired_job_type')) }} as desired_job_type,
        {{ blank_to_null(json_str('record', '$.skills')) }} as skills_raw,
        {{ blank_to_null(json_str('record', '$.job_title')) }} as job_title,
        lower(trim({{ json_str('record', '$.status') }})) as status_raw,
        {{ blank_to_null(json_str('record', '$.rejection_reason')) }} as rejection_reason,
        {{ blank_to_null(json_str('record', '$.applied_at')) }} as applied_date_raw,
        {{ blank_to_null(json_str('record', '$.rejected_at')) }} as rejected_date_raw,
        lower(trim({{ json_str('record', '$.marketing_opt_in') }})) as marketing_answer,
        lower(trim({{ json_str('record', '$.third_party_consent') }})) as relay_answer
    from latest
)

select
    source,
    source_record_id,
    load_id,
    loaded_at,
    coalesce(family_name_raw, {{ split_full_name('full_name', 'family') }}) as family_name,
    coalesce(given_name_raw, {{ split_full_name('full_name', 'given') }}) as given_name,
    {{ split_full_name('name_kana', 'family') }} as family_name_kana,
    {{ split_full_name('name_kana', 'given') }} as given_name_kana,
    email_raw,
    phone_raw,
    birth_date_raw,
    prefecture,
    desired_job_type,
    skills_raw,
    job_title,
    case
        when status_raw in ('不採用', '見送り', 'お見送り', 'rejected', 'reject') then 'rejected'
        when status_raw in ('辞退', '内定辞退', '選考辞退', 'declined', 'withdrawn') then 'declined'
        when status_raw in ('採用', '内定承諾', '入社', '入社済', 'hired') then 'hired'
        else 'active'
    end as status,
    rejection_reason,
    applied_date_raw,
    {{ plausible_jp_date('applied_date_raw', 'event_date') }} as applied_date,
    rejected_date_raw,
    {{ plausible_jp_date('rejected_date_raw', 'event_date') }} as rejected_date,
    {{ answer_to_boolean('marketing_answer') }} as is_marketing_opt_in,
    {{ answer_to_boolean('relay_answer') }} as has_relay_consent,
    file,
    record_position
from renamed
