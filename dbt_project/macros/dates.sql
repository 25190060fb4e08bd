{#- A date from year, month and day expressions; NULL (not an error) when they do not make a real date. -#}
{% macro safe_date(year, month, day) -%}
    {{ return(adapter.dispatch('safe_date', 'recruiting_crm')(year, month, day)) }}
{%- endmacro %}

{% macro default__safe_date(year, month, day) -%}
    {{ try_cast_as("lpad(cast(cast(" ~ year ~ " as integer) as varchar), 4, '0')"
        ~ " || '-' || lpad(cast(cast(" ~ month ~ " as integer) as varchar), 2, '0')"
        ~ " || '-' || lpad(cast(cast(" ~ day ~ " as integer) as varchar), 2, '0')", "date") }}
{%- endmacro %}

{#- Epoch milliseconds (a number, or its text) to a UTC timestamp; NULL, never an error, for text that is not
    a whole number or a number outside the years 1-9999. One bad value in one record used to abort every
    later `dbt build` (and print the value); now it is a field issue (`unreadable_field_issues`). -#}
{% macro epoch_ms_to_timestamp(expr) -%}
    {{ return(adapter.dispatch('epoch_ms_to_timestamp', 'recruiting_crm')(expr)) }}
{%- endmacro %}

{% macro default__epoch_ms_to_timestamp(expr) -%}
    {%- set millis = try_cast_as(expr, 'bigint') -%}
    case
        when {{ millis }} between -62135596800000 and 253402300799999
            then cast(epoch_ms({{ millis }}) as timestamp)
    end
{%- endmacro %}

{#- Epoch seconds (a number, or its text) to a UTC timestamp; NULL, never an error, like epoch_ms_to_timestamp. -#}
{% macro epoch_s_to_timestamp(expr) -%}
    {{ return(adapter.dispatch('epoch_s_to_timestamp', 'recruiting_crm')(expr)) }}
{%- endmacro %}

{% macro default__epoch_s_to_timestamp(expr) -%}
    {%- set seconds = try_cast_as(expr, 'bigint') -%}
    case
        when {{ seconds }} between -62135596800 and 253402300799
            then cast(to_timestamp({{ seconds }}) at time zone 'UTC' as timestamp)
    end
{%- endmacro %}

{#- An ISO-8601 text timestamp (2025-04-01T09:00:00.000Z) to a UTC timestamp without time zone. -#}
{% macro iso_to_utc_timestamp(expr) -%}
    {{ return(adapter.dispatch('iso_to_utc_timestamp', 'recruiting_crm')(expr)) }}
{%- endmacro %}

{% macro default__iso_to_utc_timestamp(expr) -%}
    cast({{ try_cast_as(expr, 'timestamptz') }} at time zone 'UTC' as timestamp)
{%- endmacro %}

{#- A cast that gives NULL instead of failing on a bad value. dbt's own safe_cast is a plain cast on
    DuckDB, which aborts the whole build on one unreadable value. -#}
{% macro try_cast_as(expr, type) -%}
    {{ return(adapter.dispatch('try_cast_as', 'recruiting_crm')(expr, type)) }}
{%- endmacro %}

{% macro default__try_cast_as(expr, type) -%}
    try_cast({{ expr }} as {{ type }})
{%- endmacro %}

{% macro bigquery__try_cast_as(expr, type) -%}
    safe_cast({{ expr }} as {{ type }})
{%- endmacro %}

{#- When this dbt invocation started (UTC), as a timestamp: the "build" that incremental history models
    stamp their new rows with. -#}
{% macro build_started_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{#- The current time as a UTC timestamp without time zone, the form every *_at column here has (the send
    ledger's recorded_at is written by Python in naive UTC). -#}
{% macro utc_now() -%}
    {{ return(adapter.dispatch('utc_now', 'recruiting_crm')()) }}
{%- endmacro %}

{% macro default__utc_now() -%}
    cast({{ dbt.current_timestamp() }} as timestamp)
{%- endmacro %}

{% macro duckdb__utc_now() -%}
    cast(now() at time zone 'UTC' as timestamp)
{%- endmacro %}


{#- Values staging could not read, one row per record and field: (source, file, record_position,
    source_record_id, field, rule), as every stg_<source>__field_issues gives them to
    int_field_issues_collected. A field is an issue when its text was written (not blank) and its typed
    column is NULL: a non-numeric epoch, an unparseable timestamp or date. `fields` maps each field name to
    [the column holding its text, the typed column, the rule: unparseable_timestamp or unparseable_date];
    `source` and `record_id` are expressions over `relation`, which must have `file` and `record_position`.
    Never the value: the raw record keeps it. -#}
{% macro unreadable_field_issues(relation, fields, source='source', record_id='source_record_id') -%}
    {%- for field, spec in fields.items() %}
    select
        {{ source }} as source,
        file,
        record_position,
        {{ record_id }} as source_record_id,
        '{{ field }}' as field,
        '{{ spec[2] }}' as rule
    from {{ relation }}
    where {{ blank_to_null(spec[0]) }} is not null and {{ spec[1] }} is null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
