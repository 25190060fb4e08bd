{#- Name normalisation for matching. Every step is a pure function of the text, so HR can read a
    record’s keys and see why two records did or did not agree. -#}


{#- Unicode NFKC: full-width Latin and digits to half-width, half-width katakana to full-width,
    compatibility forms to plain ones. On DuckDB the function is registered by the dbt-duckdb plugin
    connectors.common.duckdb_text_functions (Arrow’s utf8_normalize). -#}
{% macro nfkc(expr) -%}
    {{ return(adapter.dispatch('nfkc', 'recruiting_crm')(expr)) }}
{%- endmacro %}

{% macro default__nfkc(expr) -%}
    normalize({{ expr }}, NFKC)
{%- endmacro %}

{% macro duckdb__nfkc(expr) -%}
    nfkc({{ expr }})
{%- endmacro %}


{#- Katakana to hiragana, so タナカ, ﾀﾅｶ (after NFKC) and たなか compare equal. -#}
{% macro katakana_to_hiragana(expr) -%}
    translate({{ expr }},
        'ァアィイゥウェエォオカガキギクグケゲコゴサザシジスズセゼソゾタダチヂッツヅテデトドナニヌネノハバパヒビピフブプヘベペホボポマミムメモャヤュユョヨラリルレロヮワヰヱヲンヴ',
        'ぁあぃいぅうぇえぉおかがきぎくぐけげこごさざしじすずせぜそぞただちぢっつづてでとどなにぬねのはばぱひびぴふぶぷへべぺほぼぽまみむめもゃやゅゆょよらりるれろゎわゐゑをんゔ')
{%- endmacro %}


{#- Variant kanji to their standard form (髙→高, 﨑→崎), from the seed kanji_variants that HR can extend. -#}
{% macro fold_kanji_variants(expr) -%}
    translate({{ expr }},
        (select string_agg(variant, '' order by variant) from {{ ref('kanji_variants') }}),
        (select string_agg(standard, '' order by variant) from {{ ref('kanji_variants') }}))
{%- endmacro %}


{#- The comparable form of one name part: NFKC, lower case, no spaces or punctuation, variant kanji
    folded, katakana as hiragana. NULL when nothing is left. -#}
{% macro name_key(expr) -%}
    nullif({{ katakana_to_hiragana(fold_kanji_variants(
        regex_replace_all('lower(' ~ nfkc(expr) ~ ')', "[^\\p{L}\\p{N}]", '')
    )) }}, '')
{%- endmacro %}


{#- The script a name key is written in: latin, kana (hiragana after folding) or kanji (anything else). -#}
{% macro name_script(key) -%}
    case
        when {{ key }} is null then null
        when regexp_full_match({{ key }}, '[a-z]+') then 'latin'
        when regexp_full_match({{ key }}, '[ぁ-ゖー]+') then 'kana'
        else 'kanji'
    end
{%- endmacro %}


{#- Hiragana to Hepburn romaji, then long vowels collapsed (さとう → sato, しょうた → shota), which is how
    Japanese names are usually written in Latin letters. Two-kana sounds are replaced before single kana;
    a small っ doubles the next consonant. -#}
{% macro kana_to_romaji(expr) -%}
{%- set _digraphs = [
    ('きゃ','kya'),('きゅ','kyu'),('きょ','kyo'),('しゃ','sha'),('しゅ','shu'),('しょ','sho'),('しぇ','she'),
    ('ちゃ','cha'),('ちゅ','chu'),('ちょ','cho'),('ちぇ','che'),('にゃ','nya'),('にゅ','nyu'),('にょ','nyo'),
    ('ひゃ','hya'),('ひゅ','hyu'),('ひょ','hyo'),('みゃ','mya'),('みゅ','myu'),('みょ','myo'),
    ('りゃ','rya'),('りゅ','ryu'),('りょ','ryo'),('ぎゃ','gya'),('ぎゅ','gyu'),('ぎょ','gyo'),
    ('じゃ','ja'),('じゅ','ju'),('じょ','jo'),('じぇ','je'),('ぢゃ','ja'),('ぢゅ','ju'),('ぢょ','jo'),
    ('びゃ','bya'),('びゅ','byu'),('びょ','byo'),('ぴゃ','pya'),('ぴゅ','pyu'),('ぴょ','pyo'),
    ('ふぁ','fa'),('ふぃ','fi'),('ふぇ','fe'),('ふぉ','fo'),('てぃ','ti'),('でぃ','di'),('ゔぁ','va'),
] -%}
{%- set _monographs = [
    ('あ','a'),('い','i'),('う','u'),('え','e'),('お','o'),
    ('か','ka'),('き','ki'),('く','ku'),('け','ke'),('こ','ko'),('が','ga'),('ぎ','gi'),('ぐ','gu'),('げ','ge'),('ご','go'),
    ('さ','sa'),('し','shi'),('す','su'),('せ','se'),('そ','so'),('ざ','za'),('じ','ji'),('ず','zu'),('ぜ','ze'),('ぞ','zo'),
    ('た','ta'),('ち','chi'),('つ','tsu'),('て','te'),('と','to'),('だ','da'),('ぢ','ji'),('づ','zu'),('で','de'),('ど','do'),
    ('な','na'),('に','ni'),('ぬ','nu'),('ね','ne'),('の','no'),
    ('は','ha'),('ひ','hi'),('ふ','fu'),('へ','he'),('ほ','ho'),('ば','ba'),('び','bi'),('ぶ','bu'),('べ','be'),('ぼ','bo'),
    ('ぱ','pa'),('ぴ','pi'),('ぷ','pu'),('ぺ','pe'),('ぽ','po'),
    ('ま','ma'),('み','mi'),('む','mu'),('め','me'),('も','mo'),('や','ya'),('ゆ','yu'),('よ','yo'),
    ('ら','ra'),('り','ri'),('る','ru'),('れ','re'),('ろ','ro'),('わ','wa'),('ゐ','i'),('ゑ','e'),('を','o'),('ん','n'),
    ('ゔ','vu'),('ぁ','a'),('ぃ','i'),('ぅ','u'),('ぇ','e'),('ぉ','o'),('ゃ','ya'),('ゅ','yu'),('ょ','yo'),('ゎ','wa'),('ー',''),
] -%}

    {%- set ns = namespace(sql=expr) -%}
    {%- for kana, roman in _digraphs + _monographs -%}
        {%- set ns.sql = "replace(" ~ ns.sql ~ ", '" ~ kana ~ "', '" ~ roman ~ "')" -%}
    {%- endfor -%}
    {{ romaji_key(regex_replace_all(ns.sql, 'っ([a-z])', '\\1\\1')) }}
{%- endmacro %}

{#- Latin-letter names in the same comparable form: letters only, long vowels collapsed (Satou, Satoh,
    Sato → sato; Yuuki → yuki). -#}
{% macro romaji_key(expr) -%}
    nullif(
        {{ regex_replace_all(regex_replace_all(regex_replace_all(
            regex_replace_all('lower(' ~ expr ~ ')', '[^a-z]', ''),
            'o[uo]|oh$', 'o'), 'uu', 'u'), 'っ', '') }},
        '')
{%- endmacro %}
