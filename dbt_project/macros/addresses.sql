{#- Street addresses for matching: the block or house number, the street (or, in Japan, the city, ward and
    town before the number) and the building after it, from an address as any source writes it.

    Japanese forms are written alike first: 1丁目2番3号, 1丁目2番地3, 1-2-3, １－２－３ all give 1-2-3, and
    the postal code and prefecture are dropped (they have their own fields). Latin addresses are read as
    "number street, building, locality" (27 Whiteman Street, Kooringa, Cranbrook). -#}

{#- The address lower-cased, NFKC (full-width digits and hyphens half-width), without postal code or
    prefecture, with Japanese block numbers as n-n-n. -#}
{% macro address_text(expr) -%}
    {%- set t = "lower(" ~ nfkc(expr) ~ ")" -%}
    {%- set t = regex_replace_all(t, '〒?[0-9]{3}-?[0-9]{4}|北海道|東京都|大阪府|京都府|[^ 0-9〒,a-z-]{2,3}県', '') -%}
    {%- set t = regex_replace_all(t, '([0-9]+)[[:space:]]*(丁目|番地|番|号|の|ー|−|‐)[[:space:]]*', '\\1-') -%}
    {%- set t = regex_replace_all(t, '-+', '-') -%}
    {%- set t = regex_replace_all(t, '-([^0-9]|$)', '\\1') -%}
    nullif(trim({{ t }}), '')
{%- endmacro %}

{#- Is the address written in Latin letters (then: number street, building, locality)? -#}
{% macro is_latin_address(text) -%}
    regexp_full_match({{ text }}, '[a-z0-9 ,.#/''&-]+') and regexp_matches({{ text }}, '[a-z]{2}')
{%- endmacro %}

{#- The first part of a Latin address (before the first comma). -#}
{% macro _latin_first_part(text) -%}
    trim({{ dbt.split_part(text, "','", 1) }})
{%- endmacro %}

{% macro street_number(text) -%}
    case
        when {{ is_latin_address(text) }}
            then {{ regex_group(_latin_first_part(text), '^([0-9]+[a-z]?)([[:space:]]|$)', 1) }}
        else {{ regex_group(text, '([0-9]+(-[0-9]+)*)', 1) }}
    end
{%- endmacro %}

{% macro street_name(text) -%}
    case
        when {{ is_latin_address(text) }}
            then nullif(trim({{ regex_replace_all(_latin_first_part(text), '^[0-9]+[a-z]?([[:space:]]+|$)', '') }}), '')
        else nullif({{ regex_replace_all(regex_group(text, '^([^0-9]*)[0-9]', 1), '[[:space:]]', '') }}, '')
    end
{%- endmacro %}

{% macro building(text) -%}
    case
        when {{ is_latin_address(text) }} and length({{ text }}) - length(replace({{ text }}, ',', '')) >= 2
            then nullif(trim({{ dbt.split_part(text, "','", 2) }}), '')
        when not ({{ is_latin_address(text) }})
            then nullif({{ regex_replace_all(regex_group(text, '[0-9]+(-[0-9]+)*(.*)$', 2), '[[:space:]]', '') }}, '')
    end
{%- endmacro %}

{#- The locality of a Latin address: its last part, when it has more than one. -#}
{% macro latin_locality(text) -%}
    case
        when {{ is_latin_address(text) }} and length({{ text }}) - length(replace({{ text }}, ',', '')) >= 1
            then nullif(trim({{ regex_group(text, ',([^,]*)$', 1) }}), '')
    end
{%- endmacro %}
