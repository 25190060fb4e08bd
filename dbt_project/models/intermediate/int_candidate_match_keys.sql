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
        {{ address_text('records.address_raw') }} as address_text,
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

-- a kanji name written without a space (佐藤結衣, as job boards send it): split after the longest known
-- name (1 to 3 characters) when the rest is a known name too, so both parts get their readings
unspaced_splits as (
    {%- for length in [1, 2, 3] %}
    select
        read.record_key,
        {{ length }} as split_at,
        family.name_key as family_part,
        given.name_key as given_part,
        family.reading_romaji as family_part_reading,
        given.reading_romaji as given_part_reading
    from read
    inner join readings as family on family.name_key = left(read.family_key, {{ length }})
    inner join readings as given on given.name_key = substr(read.family_key, {{ length + 1 }})
    where read.given_key is null and read.family_reading is null and read.name_script = 'kanji'
    {{ "union all" if not loop.last }}
    {%- endfor %}
),

unspaced as (
    select *
    from unspaced_splits
    qualify row_number() over (partition by record_key order by split_at desc) = 1
),

split as (
    select
        read.record_key,
        read.node_id,
        read.source,
        read.source_trust_rank,
        read.record_date,
        coalesce(unspaced.family_part, read.family_key) as family_key,
        coalesce(unspaced.given_part, read.given_key) as given_key,
        read.name_script,
        coalesce(read.family_reading, unspaced.family_part_reading) as family_reading,
        coalesce(read.given_reading, unspaced.given_part_reading) as given_reading,
        read.email,
        read.phone,
        read.phone2,
        read.birth_date,
        read.prefecture,
        read.postal_code,
        read.address_raw,
        read.address_text,
        read.desired_job_type,
        read.years_experience,
        read.skills
    from read
    left join unspaced on unspaced.record_key = read.record_key
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
        -- city or ward: 東京都渋谷区… → 渋谷区, 〒530-0001 大阪府大阪市北区… → 大阪市; a Latin address’s last part
        coalesce(
            {{ regex_group(
                regex_replace_all("coalesce(prefecture, '') || coalesce(address_raw, '')",
                    '〒?[0-9]{3}-?[0-9]{4}|北海道|東京都|大阪府|京都府|[^ 0-9〒-]{2,3}県|[[:space:]]', ''),
                '^([^0-9]+?[市区町村])', 1) }},
            {{ latin_locality('address_text') }}
        ) as locality,
        -- the street address: 1丁目2番3号 and １－２－３ read alike (macros/addresses.sql)
        {{ street_number('address_text') }} as street_number,
        {{ street_name('address_text') }} as street_name,
        {{ building('address_text') }} as building,
        nullif(lower(trim({{ nfkc('desired_job_type') }})), '') as job_type_key,
        years_experience,
        {{ item_set_key(nfkc('skills'), '[[:space:]]*[,、/][[:space:]]*') }} as skills_key
    from split
),

counted as (
    select count(*) as records from keyed
)

select
    keyed.*,
    -- how common the value is: agreeing on a rare name or skill set is stronger evidence than on a common one
    count(*) over (partition by keyed.name_reading_key) * 1.0 / counted.records as name_frequency,
    count(*) over (partition by keyed.job_type_key, keyed.skills_key) * 1.0 / counted.records as skills_frequency
from keyed
cross join counted
