{#- The catalogue row of a re-engagement kind (new_position, reapply_notice) as a one-row select:
    campaign_name (the ledger's campaign_id), variants ('a|b' or blank). Until the campaign catalogue seed
    (issue 18, part A) is in the project, the defaults below stand in for it. -#}
{% macro loop_campaign(kind) -%}
    {%- set defaults = {
        'new_position': 'new-position',
        'reapply_notice': 'reapply-notice',
    } -%}
    {%- if kind not in defaults -%}
        {{ exceptions.raise_compiler_error("loop_campaign: unknown kind '" ~ kind ~ "' (new_position, reapply_notice)") }}
    {%- endif -%}
    select '{{ defaults[kind] }}' as campaign_name, cast('' as varchar) as variants
{%- endmacro %}
