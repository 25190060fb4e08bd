{#- The rejections new enough for a rejection mail and a Career Relay referral: status rejected, closed in
    the last var('rejection_window_days') days up to the run date. Shared by both outbound batches. -#}
{% macro recent_rejections() -%}
    {%- set as_of = "cast('" ~ var('as_of_date') ~ "' as date)" -%}
    select * from {{ ref('rejections') }}
    where status = 'rejected'
      and closed_date <= {{ as_of }}
      and closed_date > {{ dbt.dateadd('day', -(var('rejection_window_days') | int), as_of) }}
{%- endmacro %}
