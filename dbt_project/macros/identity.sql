{#- Identity resolution building blocks shared by the pair, weight and statistics models. -#}


{#- The blocking rules: records are only compared when they share one of these keys, so the number of
    comparisons grows with the data, not with its square. A key shared by more records than
    var('blocking_max_block_size') says nothing about a person (a company switchboard number, a
    placeholder email) and is skipped; int_candidate_blocking_stats shows how many. -#}
{% macro blocking_rules() -%}
    {{ return([
        ('same_email', "email_canonical"),
        ('same_phone', "phone"),
        ('same_name_and_birth_date', "name_reading_key || '|' || cast(birth_date as varchar)"),
        ('same_name_and_postal_code', "name_reading_key || '|' || postal_code"),
        ('same_birth_date_and_postal_code', "cast(birth_date as varchar) || '|' || postal_code"),
        ('same_name_and_skills', "name_reading_key || '|' || skills_key"),
        ('same_email_ending', "right(email_local, 6) || '@' || email_domain"),
    ]) }}
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
        when {{ l }}.name_reading_key = {{ r }}.name_reading_key then 'same_reading'
        when {{ string_similarity(l ~ '.name_reading_key', r ~ '.name_reading_key') }} >= 0.92 then 'similar'
        when {{ l }}.family_reading in ({{ r }}.family_reading, {{ r }}.given_reading)
          or {{ l }}.given_reading in ({{ r }}.family_reading, {{ r }}.given_reading) then 'one_part'
        else 'different'
    end as name_level,
    case
        when {{ l }}.birth_date is null or {{ r }}.birth_date is null then 'missing'
        when {{ l }}.birth_date = {{ r }}.birth_date then 'exact'
        when {{ edit_distance('cast(' ~ l ~ '.birth_date as varchar)', 'cast(' ~ r ~ '.birth_date as varchar)') }} <= 1
          or ({{ l }}.birth_date is not null and extract(year from {{ l }}.birth_date) = extract(year from {{ r }}.birth_date)
              and extract(month from {{ l }}.birth_date) = extract(day from {{ r }}.birth_date)
              and extract(day from {{ l }}.birth_date) = extract(month from {{ r }}.birth_date)) then 'one_typo'
        else 'different'
    end as birth_date_level,
    case
        when {{ l }}.postal_code = {{ r }}.postal_code then 'same_postal_code'
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

{#- How many items two item_set_key values share. -#}
{% macro shared_item_count(a, b) -%}
    {{ return(adapter.dispatch('shared_item_count', 'recruiting_crm')(a, b)) }}
{%- endmacro %}

{% macro duckdb__shared_item_count(a, b) -%}
    len(list_intersect(string_split({{ a }}, ','), string_split({{ b }}, ',')))
{%- endmacro %}
