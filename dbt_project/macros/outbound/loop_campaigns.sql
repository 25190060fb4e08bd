{#- The catalogue row (seeds/campaigns.csv) of a re-engagement kind (new_position, reapply_notice) as a select of
    at most one row: campaign_name (the ledger’s campaign_id), variants ('a|b' or blank: macro
    campaign_variant), frequency_cap_days (no mail of any kind within this many days before) and histories
    (the talent-pool statuses it may go to, '|'-separated, blank: any; macro catalogue_rule_holds). The
    active campaign of the kind with the lowest priority (ties by name); none active: no row, no mail. -#}
{% macro loop_campaign(kind) -%}
    {%- if kind not in ('new_position', 'reapply_notice') -%}
        {{ exceptions.raise_compiler_error("loop_campaign: unknown kind '" ~ kind ~ "' (new_position, reapply_notice)") }}
    {%- endif -%}
    select
        campaign as campaign_name,
        variants,
        cast(frequency_cap_days as integer) as frequency_cap_days,
        history as histories
    from {{ ref('campaigns') }}
    where kind = '{{ kind }}' and active
    qualify row_number() over (order by priority, campaign) = 1
{%- endmacro %}
