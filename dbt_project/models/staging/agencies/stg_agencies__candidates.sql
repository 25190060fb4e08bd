{#- Agencies send doda-style Japanese headers or English ones; every field reads whichever is present. -#}
{%- set fields = {
    'family_name': ['姓漢字', 'last_name'],
    'given_name': ['名漢字', 'first_name'],
    'family_name_kana': ['姓カナ', 'last_name_kana'],
    'given_name_kana': ['名カナ', 'first_name_kana'],
    'birth_date_raw': ['生年月日', 'birth_date'],
    'gender_raw': ['性別', 'gender'],
    'postal_code': ['郵便番号', 'postal_code'],
    'prefecture': ['都道府県名', 'prefecture'],
    'address_raw': ['住所①', 'address'],
    'email_raw': ['メールアドレス', 'email'],
    'phone_raw': ['電話番号1', 'phone'],
    'phone2_raw': ['電話番号2', 'phone2'],
    'desired_job_type': ['希望職種', 'desired_job_type'],
    'years_experience_raw': ['経験年数', 'years_experience'],
    'skills_raw': ['スキル', 'skills'],
    'referred_date_raw': ['推薦日', 'referred_at'],
    'marketing_answer': ['メール配信同意', 'marketing_opt_in'],
    'relay_answer': ['第三者提供同意', 'third_party_consent'],
} -%}

with latest as (
    {{ latest_version(source('agencies', 'agency_candidates'), 'source, source_record_id') }}
),

renamed as (
    select
        source,
        source_record_id,
        load_id,
        loaded_at,
        {%- for name, keys in fields.items() %}
        coalesce({% for key in keys %}{{ blank_to_null(json_key('record', key)) }}{% if not loop.last %}, {% endif %}{% endfor %}) as {{ name }},
        {%- endfor %}
        file
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
    {{ parse_jp_date('referred_date_raw') }} as referred_date,
    {{ answer_to_boolean('marketing_answer') }} as is_marketing_opt_in,
    {{ answer_to_boolean('relay_answer') }} as has_relay_consent,
    file
from renamed
