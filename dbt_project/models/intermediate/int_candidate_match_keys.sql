{#- One row per source record: the comparable form of everything identity resolution looks at.
    Names are compared by their reading in Latin letters (高橋 / タカハシ / ﾀｶﾊｼ / たかはし / Takahashi all
    give "takahashi"), so a record in kanji meets one in kana or Latin. The raw values stay in
    int_candidate_records_unioned. -#}

with forms as (
    select
        written_name,
        name_key,
        name_script,
        name_romaji
    from {{ ref('int_name_forms') }}
),

readings as (
    select
        name_key,
        reading_romaji
    from {{ ref('int_name_readings') }}
),

read as (
    select
        records.*,
        family.name_key as family_key,
        given.name_key as given_key,
        family.name_script,
        -- a name in Latin letters or kana reads as itself; one in kanji by its フリガナ, else as others read it
        coalesce(family.name_romaji, family_kana.name_romaji, family_reading.reading_romaji) as family_reading,
        coalesce(given.name_romaji, given_kana.name_romaji, given_reading.reading_romaji) as given_reading
    from {{ ref('int_candidate_records_unioned') }} as records
    {% for part in ['family', 'given'] -%}
    left join forms as {{ part }} on {{ part }}.written_name = records.{{ part }}_name
    left join forms as {{ part }}_kana on {{ part }}_kana.written_name = records.{{ part }}_name_kana
    left join readings as {{ part }}_reading on {{ part }}_reading.name_key = {{ part }}.name_key
    {% endfor -%}
),

keyed as (
    select
        record_key,
        node_id,
        source,
        source_trust_rank,
        record_date,
        family_key,
        given_key,
        name_script,
        family_reading,
        given_reading,
        -- order-free, so a name entered in the wrong boxes still meets itself
        case
            when family_reading is null and given_reading is null then null
            when family_reading is null or given_reading is null then coalesce(family_reading, given_reading)
            else least(family_reading, given_reading) || ' ' || greatest(family_reading, given_reading)
        end as name_reading_key,
        email,
        {{ dbt.split_part('email', "'@'", 1) }} as email_local,
        {{ dbt.split_part('email', "'@'", 2) }} as email_domain,
        -- Gmail ignores dots and +tags in the local part; every provider ignores +tags
        case
            when {{ dbt.split_part('email', "'@'", 2) }} in ('gmail.com', 'googlemail.com')
                then replace({{ dbt.split_part(dbt.split_part('email', "'@'", 1), "'+'", 1) }}, '.', '') || '@gmail.com'
            else
                {{ dbt.split_part(dbt.split_part('email', "'@'", 1), "'+'", 1) }}
                || '@' || {{ dbt.split_part('email', "'@'", 2) }}
        end as email_canonical,
        phone,
        phone2,
        birth_date,
        prefecture,
        postal_code,
        -- city or ward: 東京都渋谷区… → 渋谷区, 〒530-0001 大阪府大阪市北区… → 大阪市
        {{ regex_group(
            regex_replace_all("coalesce(prefecture, '') || coalesce(address_raw, '')",
                '〒?[0-9]{3}-?[0-9]{4}|北海道|東京都|大阪府|京都府|[^ 0-9〒-]{2,3}県|[[:space:]]', ''),
            '^([^0-9]+?[市区町村])', 1) }} as locality,
        nullif(lower(trim({{ nfkc('desired_job_type') }})), '') as job_type_key,
        years_experience,
        {{ item_set_key(nfkc('skills'), '[[:space:]]*[,、/][[:space:]]*') }} as skills_key
    from read
),

counted as (
    select count(*) as records
    from keyed
)

select
    keyed.*,
    -- how common the value is: agreeing on a rare name or skill set is stronger evidence than on a common one
    count(*) over (partition by keyed.name_reading_key) * 1.0 / counted.records as name_frequency,
    count(*) over (partition by keyed.job_type_key, keyed.skills_key) * 1.0 / counted.records as skills_frequency
from keyed
cross join counted
