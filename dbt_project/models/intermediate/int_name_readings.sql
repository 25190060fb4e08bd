{#- How names written in kanji are read, learned from the records themselves: every record that gives a
    name in kanji and its reading in kana (フリガナ) votes, and the most common reading wins. Records that
    only have kanji (job boards send no reading) borrow it, so 高橋 on Indeed can meet タカハシ or
    Takahashi elsewhere. No dictionary is downloaded; a name nobody has spelled out has no reading. -#}

with spelled as (
    select
        family_name as written_name,
        family_name_kana as written_kana,
        count(*) as records_seen
    from {{ ref('int_candidate_records_unioned') }}
    where family_name is not null and family_name_kana is not null
    group by family_name, family_name_kana
    union all
    select
        given_name as written_name,
        given_name_kana as written_kana,
        count(*) as records_seen
    from {{ ref('int_candidate_records_unioned') }}
    where given_name is not null and given_name_kana is not null
    group by given_name, given_name_kana
),

votes as (
    select
        name.name_key,
        kana.name_key as reading,
        kana.name_romaji as reading_romaji,
        sum(spelled.records_seen) as records_seen
    from spelled
    inner join {{ ref('int_name_forms') }} as name on name.written_name = spelled.written_name
    inner join {{ ref('int_name_forms') }} as kana on kana.written_name = spelled.written_kana
    where name.name_script = 'kanji' and kana.name_script = 'kana'
    group by name.name_key, kana.name_key, kana.name_romaji
),

ranked as (
    select
        *,
        sum(records_seen) over (partition by name_key) as records_with_kanji,
        row_number() over (partition by name_key order by records_seen desc, reading asc) as reading_rank
    from votes
)

select
    name_key,
    reading,
    reading_romaji,
    records_seen,
    records_seen * 1.0 / records_with_kanji as reading_share
from ranked
where reading_rank = 1
