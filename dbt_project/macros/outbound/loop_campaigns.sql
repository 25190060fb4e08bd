{#- The catalogue row of a re-engagement kind (new_position, reapply_notice) as a one-row select:
    campaign_name (the ledger's campaign_id), variants ('a|b' or blank), frequency_cap_days (no mail of any
    kind within this many days before), histories (the talent-pool statuses it may go to, '|'-separated).
    Until the campaign catalogue seed (issue 18, part A) is in the project, the values below stand in for
    its rows (the same values as A's rows for these kinds). -#}
{% macro loop_campaign(kind) -%}
    {%- set defaults = {
        'new_position': ('new-position-alert', 'a|b', 7, 'rejected|declined|past_applicant|prospect'),
        'reapply_notice': ('reapply-notice', '', 7, 'rejected|declined'),
    } -%}
    {%- if kind not in defaults -%}
        {{ exceptions.raise_compiler_error("loop_campaign: unknown kind '" ~ kind ~ "' (new_position, reapply_notice)") }}
    {%- endif -%}
    {%- set name, variants, cap, histories = defaults[kind] -%}
    select
        '{{ name }}' as campaign_name,
        cast('{{ variants }}' as varchar) as variants,
        {{ cap }} as frequency_cap_days,
        '{{ histories }}' as histories
{%- endmacro %}


{#- The talent-pool status `status` is one of the catalogue row's '|'-separated `histories` (blank: any). -#}
{% macro is_in_histories(status, histories) -%}
    (coalesce({{ histories }}, '') = '' or {{ dbt.position("'|' || " ~ status ~ " || '|'", "'|' || " ~ histories ~ " || '|'") }} > 0)
{%- endmacro %}
