{#- Text normalisation shared by every source. Portable SQL (translate, lower, trim) where it can be;
    regular expressions go through adapter.dispatch. -#}


{#- Full-width ASCII letters, digits and the symbols of addresses and phone numbers to half-width. -#}
{% macro fold_width(expr) -%}
    {%- set _fullwidth = "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ＠．－＋（）＿　" %}
    {%- set _halfwidth = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz@.-+()_ " %}
    translate({{ expr }}, '{{ _fullwidth }}', '{{ _halfwidth }}')
{%- endmacro %}

{% macro regex_replace_all(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regex_replace_all', 'recruiting_crm')(expr, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regex_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{% macro regex_group(expr, pattern, group) -%}
    {{ return(adapter.dispatch('regex_group', 'recruiting_crm')(expr, pattern, group)) }}
{%- endmacro %}

{% macro default__regex_group(expr, pattern, group) -%}
    nullif(regexp_extract({{ expr }}, '{{ pattern }}', {{ group }}), '')
{%- endmacro %}

{#- Whether the whole text matches a regular expression. -#}
{% macro regex_full_match(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match', 'recruiting_crm')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regex_full_match(expr, pattern) -%}
    regexp_like({{ expr }}, '^(?:{{ pattern }})$')
{%- endmacro %}

{% macro duckdb__regex_full_match(expr, pattern) -%}
    regexp_full_match({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{#- Empty or blank text becomes NULL. -#}
{% macro blank_to_null(expr) -%}
    nullif(trim({{ expr }}), '')
{%- endmacro %}

{#- Emails compare lower-cased, trimmed and half-width; anything without a single @ and a dot after it is NULL. -#}
{% macro normalize_email(expr) -%}
    case
        when lower(trim({{ fold_width(expr) }})) like '%_@_%._%'
         and lower(trim({{ fold_width(expr) }})) not like '%@%@%'
         and lower(trim({{ fold_width(expr) }})) not like '% %'
        then lower(trim({{ fold_width(expr) }}))
    end
{%- endmacro %}

{#- Phone numbers to E.164, Japan the default region. Accepts 090-1234-5678, 09012345678, +81 90 1234 5678,
    +81 (0)90..., (090)1234-5678 and full-width digits; other countries only in international form (+1 ...).
    A Japanese number that does not give 9 or 10 national digits is NULL. -#}
{% macro normalize_phone_jp(expr) -%}
    {%- set digits = regex_replace_all(fold_width(expr), '[^0-9+]', '') -%}
    {#- after +81 a trunk 0 is sometimes kept, as in +81 (0)90 1234 5678 -#}
    {%- set after_81 = regex_replace_all("substr(" ~ digits ~ ", 4)", '^0', '') -%}
    case
        when {{ digits }} like '+81%' and length({{ after_81 }}) between 9 and 10
            then '+81' || {{ after_81 }}
        when {{ digits }} like '0%' and {{ digits }} not like '00%' and length({{ digits }}) between 10 and 11
            then '+81' || substr({{ digits }}, 2)
        {#- another country's number written in international form is kept as E.164 -#}
        when {{ digits }} like '+%' and {{ digits }} not like '+81%' and {{ digits }} not like '+0%'
             and length({{ digits }}) - 1 between 8 and 15
            then {{ digits }}
    end
{%- endmacro %}

{#- Dates as Japanese sources write them: 1990-04-01, 1990/04/01, 1990.4.1, 19900401, 平成2年4月1日, 平成元年5月1日,
    H2.4.1, h2/4/1, R1/5/1, full-width digits and separators too (１９９０／０４／０１). The one parser of such dates
    in the project (landing does not judge dates): NULL when the text is none of these or not a real calendar
    date. Unit tests: models/staging/agencies/_agencies__unit_tests.yml. -#}
{% macro parse_jp_date(expr) -%}
    {%- set t = "upper(trim(translate(" ~ fold_width(expr) ~ ", '／', '/')))" -%}
    {%- set ymd = '^([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})$' -%}
    {%- set compact = '^([0-9]{4})([0-9]{2})([0-9]{2})$' -%}
    {%- set era = '^(明治|大正|昭和|平成|令和|M|T|S|H|R)[.]?(元|[0-9]{1,2})[年./]([0-9]{1,2})[月./]([0-9]{1,2})日?$' -%}
    {%- set era_base -%}
        case {{ regex_group(t, era, 1) }}
            when '明治' then 1867 when 'M' then 1867 when '大正' then 1911 when 'T' then 1911
            when '昭和' then 1925 when 'S' then 1925 when '平成' then 1988 when 'H' then 1988
            when '令和' then 2018 when 'R' then 2018
        end
    {%- endset -%}
    {%- set era_year -%}
        ({{ era_base }}) + cast(case when {{ regex_group(t, era, 2) }} = '元' then '1' else {{ regex_group(t, era, 2) }} end as integer)
    {%- endset -%}
    coalesce(
        {{ recruiting_crm.safe_date(regex_group(t, ymd, 1), regex_group(t, ymd, 2), regex_group(t, ymd, 3)) }},
        {{ recruiting_crm.safe_date(regex_group(t, compact, 1), regex_group(t, compact, 2), regex_group(t, compact, 3)) }},
        {{ recruiting_crm.safe_date(era_year, regex_group(t, era, 3), regex_group(t, era, 4)) }}
    )
{%- endmacro %}

{#- One name string split into family and given name: Latin-letter names are written given name first,
    Japanese names family name first ("山田 太郎"). Without a space the whole string is the family name. -#}
{% macro split_full_name(expr, part) -%}
    {%- set latin = regex_group(expr, '^([ -~]+)$', 1) -%}
    {%- if part == 'family' -%}
    case when {{ latin }} is not null then {{ regex_group(expr, '([^ ]+)$', 1) }}
         else {{ regex_group(expr, '^([^ 　]+)', 1) }} end
    {%- else -%}
    case when {{ latin }} is not null then {{ regex_group(expr, '^([^ ]+) ', 1) }}
         else {{ regex_group(expr, '^[^ 　]+[ 　]+(.+)$', 1) }} end
    {%- endif -%}
{%- endmacro %}

{#- A yes/no answer as sources write it (同意 / 不同意, はい / いいえ, yes / no, ○ / ×, opted_in / declined ...)
    as a boolean; anything else, including blank, is NULL (not stated). -#}
{% macro answer_to_boolean(expr) -%}
    case
        when lower(trim({{ expr }})) in ('同意', '同意する', 'はい', '有', 'あり', 'yes', 'y', 'true', '1', '○', 'opted_in')
            then true
        when lower(trim({{ expr }})) in ('不同意', '同意しない', 'いいえ', '無', 'なし', 'no', 'n', 'false', '0', '×', 'declined')
            then false
    end
{%- endmacro %}

{#- Hex SHA-256 of a string (erased identifiers are compared by hash, never stored in clear). -#}
{% macro sha256_hex(expr) -%}
    {{ return(adapter.dispatch('sha256_hex', 'recruiting_crm')(expr)) }}
{%- endmacro %}

{% macro default__sha256_hex(expr) -%}
    sha2({{ expr }}, 256)
{%- endmacro %}

{% macro duckdb__sha256_hex(expr) -%}
    sha256({{ expr }})
{%- endmacro %}

{% macro postgres__sha256_hex(expr) -%}
    encode(sha256(convert_to({{ expr }}, 'UTF8')), 'hex')
{%- endmacro %}
