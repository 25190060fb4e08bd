{#- Every distinct way a name part is written in the sources, with its comparable form. Normalising each
    distinct spelling once (a few thousand, whatever the number of records) keeps this cheap.

    name_key: NFKC, lower case, letters and digits only, variant kanji folded (seed kanji_variants),
    katakana as hiragana. name_romaji: the name in Latin letters with long vowels collapsed, for names
    written in kana or Latin letters; names in kanji get theirs from int_name_readings. -#}

with written as (
    select family_name as written_name from {{ ref('int_candidate_records_unioned') }}
    union
    select given_name from {{ ref('int_candidate_records_unioned') }}
    union
    select family_name_kana from {{ ref('int_candidate_records_unioned') }}
    union
    select given_name_kana from {{ ref('int_candidate_records_unioned') }}
),

keyed as (
    select written_name, {{ name_key('written_name') }} as name_key
    from written
    where written_name is not null
),

scripted as (
    select *, {{ name_script('name_key') }} as name_script
    from keyed
)

select
    written_name,
    name_key,
    name_script,
    case
        when name_script = 'latin' then {{ romaji_key('name_key') }}
        when name_script = 'kana' then {{ kana_to_romaji('name_key') }}
    end as name_romaji
from scripted
where name_key is not null
