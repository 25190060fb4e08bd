{#- Identity resolution building blocks shared by the pair, weight and statistics models. -#}


{#- The blocking rules: records are only compared when they share one of these keys, so the number of
    comparisons grows with the data, not with its square. A key shared by more records than
    var('blocking_max_block_size') says nothing about a person (a company switchboard number, a
    placeholder email) and is skipped; int_candidate_blocking_stats shows how many. The last eight rules
    find people in sources that withhold contacts: a name part and the birth date (the other part may be
    mistyped), the street address, or the name and the city or the wished job (job boards give no birth date, and
    skills change); and, for a record without a birth date whose name has a typo, the postal code with the street
    number (the street name may be mistyped or written otherwise) or with one part of the name. New rules go
    last: a pair keeps the first rule that found it. -#}
{% macro blocking_rules() -%}
    {{ return([
        ('same_email', "email_canonical"),
        ('same_phone', "phone"),
        ('same_name_and_birth_date', "name_reading_key || '|' || cast(birth_date as varchar)"),
        ('same_name_and_postal_code', "name_reading_key || '|' || postal_code"),
        ('same_birth_date_and_postal_code', "cast(birth_date as varchar) || '|' || postal_code"),
        ('same_name_and_skills', "name_reading_key || '|' || skills_key"),
        ('same_email_ending', "right(email_local, 6) || '@' || email_domain"),
        ('same_family_name_and_birth_date', "coalesce(family_reading, family_key) || '|' || cast(birth_date as varchar)"),
        ('same_given_name_and_birth_date', "coalesce(given_reading, given_key) || '|' || cast(birth_date as varchar)"),
        ('same_street_address', "street_number || '|' || street_name"),
        ('same_name_and_city', "name_reading_key || '|' || locality"),
        ('same_name_and_job', "name_reading_key || '|' || job_type_key"),
        ('same_postal_code_and_street_number', "postal_code || '|' || street_number"),
        ('same_family_name_and_postal_code', "coalesce(family_reading, family_key) || '|' || postal_code"),
        ('same_given_name_and_postal_code', "coalesce(given_reading, given_key) || '|' || postal_code"),
    ]) }}
{%- endmacro %}


{#- The largest block a rule compares. The broad rules that exist for sources without contacts (a street
    address, a name with a city or a wished job) only compare small blocks: among a million records, a
    common name in a big city with a common job is shared by dozens of strangers, and comparing them all
    costs millions of pairs for next to no found people. Every other rule: var('blocking_max_block_size'). -#}
{% macro blocking_rule_max_block_sizes() -%}
    {{ return({
        'same_street_address': 12, 'same_name_and_city': 10, 'same_name_and_job': 10,
        'same_postal_code_and_street_number': 12, 'same_family_name_and_postal_code': 12,
        'same_given_name_and_postal_code': 12,
    }) }}
{%- endmacro %}

{#- SQL for the largest block of the rule numbered rule_order_expr (its place in blocking_rules()). -#}
{% macro max_block_size_of(rule_order_expr) -%}
    {%- set sizes = blocking_rule_max_block_sizes() -%}
    case {{ rule_order_expr }}
        {%- for rule, key in blocking_rules() %}{% if rule in sizes %}
        when {{ loop.index }} then {{ [sizes[rule], var('blocking_max_block_size') | int] | min }}
        {%- endif %}{% endfor %}
        else {{ var('blocking_max_block_size') | int }}
    end
{%- endmacro %}

{#- Compares two records (table aliases l and r) field by field. Each field gets a level, from the
    strongest agreement down to 'different', or 'missing' when either side has no value. -#}
{% macro comparison_levels(l='l', r='r') -%}
    case
        when {{ l }}.email is null or {{ r }}.email is null then 'missing'
        when {{ l }}.email = {{ r }}.email then 'exact'
        when {{ l }}.email_canonical = {{ r }}.email_canonical then 'same_mailbox'
        when {{ l }}.email_domain = {{ r }}.email_domain
         and {{ edit_distance(l ~ '.email_local', r ~ '.email_local') }} <= 1 then 'one_typo'
        else 'different'
    end as email_level,
    case
        when {{ l }}.phone is null or {{ r }}.phone is null then 'missing'
        when {{ l }}.phone = {{ r }}.phone or {{ l }}.phone = {{ r }}.phone2 or {{ l }}.phone2 = {{ r }}.phone then 'exact'
        else 'different'
    end as phone_level,
    case
        when {{ l }}.name_reading_key is null or {{ r }}.name_reading_key is null then 'missing'
        when ({{ l }}.family_key = {{ r }}.family_key and {{ l }}.given_key = {{ r }}.given_key)
          or ({{ l }}.family_key = {{ r }}.given_key and {{ l }}.given_key = {{ r }}.family_key) then 'exact'
        when {{ l }}.name_reading_key = {{ r }}.name_reading_key
          -- a name written in one piece (かとうしゅうへい) reads as both parts of the other run together
          or ({{ l }}.given_reading is null and {{ l }}.family_reading in ({{ r }}.family_reading || {{ r }}.given_reading, {{ r }}.given_reading || {{ r }}.family_reading))
          or ({{ r }}.given_reading is null and {{ r }}.family_reading in ({{ l }}.family_reading || {{ l }}.given_reading, {{ l }}.given_reading || {{ l }}.family_reading))
            then 'same_reading'
        -- both parts alike (typos, transpositions), in either order
        when ({{ names_alike(l ~ '.family_reading', r ~ '.family_reading') }} and {{ names_alike(l ~ '.given_reading', r ~ '.given_reading') }})
          or ({{ names_alike(l ~ '.family_reading', r ~ '.given_reading') }} and {{ names_alike(l ~ '.given_reading', r ~ '.family_reading') }})
            then 'similar'
        -- one record gives only one part of the name, and it is one of the other’s
        when ({{ l }}.family_reading is null or {{ l }}.given_reading is null or {{ r }}.family_reading is null or {{ r }}.given_reading is null)
         and ({{ names_alike(l ~ '.family_reading', r ~ '.family_reading') }} or {{ names_alike(l ~ '.family_reading', r ~ '.given_reading') }}
           or {{ names_alike(l ~ '.given_reading', r ~ '.family_reading') }} or {{ names_alike(l ~ '.given_reading', r ~ '.given_reading') }})
            then 'part_missing'
        -- both give a full name and only one part agrees: family members, or a changed family name
        when {{ names_alike(l ~ '.family_reading', r ~ '.family_reading') }} or {{ names_alike(l ~ '.family_reading', r ~ '.given_reading') }}
          or {{ names_alike(l ~ '.given_reading', r ~ '.family_reading') }} or {{ names_alike(l ~ '.given_reading', r ~ '.given_reading') }}
            then 'one_part'
        else 'different'
    end as name_level,
    case
        when {{ l }}.birth_date is null or {{ r }}.birth_date is null then 'missing'
        when {{ l }}.birth_date = {{ r }}.birth_date then 'exact'
        when {{ edit_distance('cast(' ~ l ~ '.birth_date as varchar)', 'cast(' ~ r ~ '.birth_date as varchar)') }} <= 1
          or (extract(year from {{ l }}.birth_date) = extract(year from {{ r }}.birth_date)
              and extract(month from {{ l }}.birth_date) = extract(day from {{ r }}.birth_date)
              and extract(day from {{ l }}.birth_date) = extract(month from {{ r }}.birth_date))
          or (extract(month from {{ l }}.birth_date) = extract(month from {{ r }}.birth_date)
              and extract(day from {{ l }}.birth_date) = extract(day from {{ r }}.birth_date)
              and abs(extract(year from {{ l }}.birth_date) - extract(year from {{ r }}.birth_date)) = 1) then 'one_typo'
        when {{ edit_distance('cast(' ~ l ~ '.birth_date as varchar)', 'cast(' ~ r ~ '.birth_date as varchar)') }} <= 2 then 'two_typos'
        else 'different'
    end as birth_date_level,
    -- where the person lives, strongest agreement first: the street address (number and street or town),
    -- then the postal code, the city or ward, the prefecture
    case
        when {{ l }}.street_number = {{ r }}.street_number
         and {{ names_alike(l ~ '.street_name', r ~ '.street_name') }}
         and {{ l }}.postal_code = {{ r }}.postal_code then 'same_address_and_postal_code'
        when {{ l }}.street_number = {{ r }}.street_number
         and {{ names_alike(l ~ '.street_name', r ~ '.street_name') }} then 'same_address'
        when {{ l }}.postal_code = {{ r }}.postal_code then 'same_postal_code'
        -- the same street (or, in Japan, town) at another number; a postal code one digit off
        when {{ names_alike(l ~ '.street_name', r ~ '.street_name') }} then 'same_street'
        when {{ edit_distance(l ~ '.postal_code', r ~ '.postal_code') }} <= 1 then 'similar_postal_code'
        when {{ l }}.locality = {{ r }}.locality then 'same_city'
        when {{ l }}.prefecture = {{ r }}.prefecture then 'same_prefecture'
        when {{ l }}.prefecture is null or {{ r }}.prefecture is null then 'missing'
        else 'different'
    end as place_level,
    -- job type, years of experience and skills depend on each other (all follow the job), so they are
    -- one comparison with joint levels rather than three that would count the same evidence thrice
    case
        when {{ l }}.job_type_key is null or {{ r }}.job_type_key is null then 'missing'
        when {{ l }}.job_type_key <> {{ r }}.job_type_key then 'different'
        when abs({{ l }}.years_experience - {{ r }}.years_experience) <= 1 and {{ l }}.skills_key = {{ r }}.skills_key
            then 'same_job_years_and_skills'
        when {{ l }}.skills_key = {{ r }}.skills_key then 'same_job_and_skills'
        -- one skill added or dropped since the other record
        when {{ item_count(l ~ '.skills_key') }} + {{ item_count(r ~ '.skills_key') }}
             - 2 * {{ shared_item_count(l ~ '.skills_key', r ~ '.skills_key') }} = 1 then 'same_job_one_skill_apart'
        when {{ l }}.skills_key <> {{ r }}.skills_key then 'same_job_other_skills'
        when abs({{ l }}.years_experience - {{ r }}.years_experience) <= 1 then 'same_job_and_years'
        else 'same_job'
    end as career_level,
    -- a job-board or agency applicant is often re-keyed into the ATS within days
    case
        when {{ l }}.record_date is null or {{ r }}.record_date is null then 'missing'
        when abs({{ l }}.record_date - {{ r }}.record_date) <= 14 then 'within_two_weeks'
        when abs({{ l }}.record_date - {{ r }}.record_date) <= 90 then 'within_three_months'
        else 'further_apart'
    end as timing_level
{%- endmacro %}

{#- Two name parts (or streets) are alike when equal or, both five letters or longer, one slip apart: one
    edit (a dropped, doubled, changed or swapped letter) or a Jaro-Winkler similarity of at least 0.92.
    Shorter names must be equal: ゆか and ゆき (yuka, yuki) are sisters, not a typo. -#}
{% macro names_alike(a, b) -%}
    coalesce({{ a }} = {{ b }}
        or (least(length({{ a }}), length({{ b }})) >= 5
            and ({{ edit_distance(a, b) }} <= 1 or {{ string_similarity(a, b) }} >= 0.92)), false)
{%- endmacro %}

{#- Pairs that share an email, a phone, or a street address with its postal code: what a family shares. For
    them, how often different people agree on each field is measured among such pairs (int_match_weights,
    context 'shares_contact'), not among strangers. A street address without the same postal code is no
    context of its own (the same number and street in another town is a stranger): it stays evidence
    weighed against strangers. -#}
{% macro shares_contact(pair='') -%}
    ({{ pair }}email_level in ('exact', 'same_mailbox') or {{ pair }}phone_level = 'exact'
     or {{ pair }}place_level = 'same_address_and_postal_code')
{%- endmacro %}

{#- The comparison levels of every compared field, strongest agreement first ('missing' is not a level:
    it weighs nothing). -#}
{% macro comparison_level_names() -%}
    {{ return({
        'email': ['exact', 'same_mailbox', 'one_typo', 'different'],
        'phone': ['exact', 'different'],
        'name': ['exact', 'same_reading', 'similar', 'part_missing', 'one_part', 'different'],
        'birth_date': ['exact', 'one_typo', 'two_typos', 'different'],
        'place': ['same_address_and_postal_code', 'same_address', 'same_postal_code', 'same_street', 'similar_postal_code', 'same_city', 'same_prefecture', 'different'],
        'career': ['same_job_years_and_skills', 'same_job_and_skills', 'same_job_one_skill_apart', 'same_job_other_skills', 'same_job_and_years', 'same_job', 'different'],
        'timing': ['within_two_weeks', 'within_three_months', 'further_apart'],
    }) }}
{%- endmacro %}

{#- The fields whose agreement defines the 'shares_contact' context: their m-probabilities are estimated per
    context; every other field’s m is one for all pairs. -#}
{% macro contact_fields() -%}
    {{ return(['email', 'phone', 'place']) }}
{%- endmacro %}

{#- Everything a compared pair carries: the levels, and how common the name and skill set are. -#}
{% macro pair_columns(l='l', r='r') -%}
    {{ comparison_levels(l, r) }},
    greatest({{ l }}.name_frequency, {{ r }}.name_frequency) as name_frequency,
    greatest({{ l }}.skills_frequency, {{ r }}.skills_frequency) as skills_frequency
{%- endmacro %}

{% macro compared_fields() -%}
    {{ return(['email', 'phone', 'name', 'birth_date', 'place', 'career', 'timing']) }}
{%- endmacro %}


{#- Engine-specific string distance functions. -#}
{% macro edit_distance(a, b) -%}
    {{ return(adapter.dispatch('edit_distance', 'recruiting_crm')(a, b)) }}
{%- endmacro %}

{% macro default__edit_distance(a, b) -%}
    editdistance({{ a }}, {{ b }})
{%- endmacro %}

{% macro duckdb__edit_distance(a, b) -%}
    damerau_levenshtein({{ a }}, {{ b }})
{%- endmacro %}

{% macro string_similarity(a, b) -%}
    {{ return(adapter.dispatch('string_similarity', 'recruiting_crm')(a, b)) }}
{%- endmacro %}

{% macro default__string_similarity(a, b) -%}
    jarowinkler_similarity({{ a }}, {{ b }}) / 100.0
{%- endmacro %}

{% macro duckdb__string_similarity(a, b) -%}
    jaro_winkler_similarity({{ a }}, {{ b }})
{%- endmacro %}

{#- A set of items written as a delimited list (skills), as one comparable key: items trimmed, lower-cased,
    de-duplicated, sorted and joined with ','. NULL when the list is empty. -#}
{% macro item_set_key(expr, separator_pattern) -%}
    {{ return(adapter.dispatch('item_set_key', 'recruiting_crm')(expr, separator_pattern)) }}
{%- endmacro %}

{% macro duckdb__item_set_key(expr, separator_pattern) -%}
    nullif(array_to_string(list_sort(list_distinct(list_filter(
        string_split_regex(lower(trim({{ expr }})), '{{ separator_pattern }}'), lambda item: item <> ''))), ','), '')
{%- endmacro %}

{#- How many items an item_set_key value holds. -#}
{% macro item_count(a) -%}
    (length({{ a }}) - length(replace({{ a }}, ',', '')) + 1)
{%- endmacro %}

{#- How many items two item_set_key values share. -#}
{% macro shared_item_count(a, b) -%}
    {{ return(adapter.dispatch('shared_item_count', 'recruiting_crm')(a, b)) }}
{%- endmacro %}

{% macro duckdb__shared_item_count(a, b) -%}
    len(list_intersect(string_split({{ a }}, ','), string_split({{ b }}, ',')))
{%- endmacro %}
