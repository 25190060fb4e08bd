{#- STAND-IN for part A's campaign_variant macro (issue 18): delete this file when A's macro is merged. -#}
{% macro campaign_variant(candidate_id, campaign, variants) -%}
    case
        when coalesce({{ variants }}, '') = '' then ''
        else split_part(
            {{ variants }}, '|',
            cast(1 + abs(hash({{ candidate_id }} || '/' || {{ campaign }}))
                % (length({{ variants }}) - length(replace({{ variants }}, '|', '')) + 1) as integer))
    end
{%- endmacro %}
