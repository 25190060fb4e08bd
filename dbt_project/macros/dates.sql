{#- A date from year, month and day expressions; NULL (not an error) when they do not make a real date. -#}
{% macro safe_date(year, month, day) -%}
    {{ return(adapter.dispatch('safe_date', 'recruiting_crm')(year, month, day)) }}
{%- endmacro %}

{% macro default__safe_date(year, month, day) -%}
    {{ try_cast_as("lpad(cast(cast(" ~ year ~ " as integer) as varchar), 4, '0')"
        ~ " || '-' || lpad(cast(cast(" ~ month ~ " as integer) as varchar), 2, '0')"
        ~ " || '-' || lpad(cast(cast(" ~ day ~ " as integer) as varchar), 2, '0')", "date") }}
{%- endmacro %}

{#- Epoch milliseconds to a UTC timestamp. -#}
{% macro epoch_ms_to_timestamp(expr) -%}
    {{ return(adapter.dispatch('epoch_ms_to_timestamp', 'recruiting_crm')(expr)) }}
{%- endmacro %}

{% macro default__epoch_ms_to_timestamp(expr) -%}
    cast(epoch_ms(cast({{ expr }} as bigint)) as timestamp)
{%- endmacro %}

{% macro epoch_s_to_timestamp(expr) -%}
    {{ return(adapter.dispatch('epoch_s_to_timestamp', 'recruiting_crm')(expr)) }}
{%- endmacro %}

{% macro default__epoch_s_to_timestamp(expr) -%}
    cast(to_timestamp(cast({{ expr }} as bigint)) at time zone 'UTC' as timestamp)
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
