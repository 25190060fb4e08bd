{#- Reading the campaign catalogue (seeds/campaigns.csv): its audience rules over marts.segments, the engagement
    band and history words the rules use, and the deterministic A/B variant of a person. Described in
    _outbound__macros.yml. -#}


{#- A catalogue rule column holds for a value: the rule is blank (anyone) or one of its `|`-joined values is the
    value. Never NULL. -#}
{% macro catalogue_rule_holds(rule, value) -%}
    ({{ rule }} is null or trim({{ rule }}) = ''
     or coalesce(('|' || {{ rule }} || '|') like ('%|' || {{ value }} || '|%'), false))
{%- endmacro %}


{#- How much a person engages (marts.candidate_scores.engagement_score, 0-100, decaying): high (15 and over, about
    the top tenth of the demo's people), medium (5 to 15), low (above 0, under 5) or none. -#}
{% macro engagement_band(score) -%}
    case
        when coalesce({{ score }}, 0) <= 0 then 'none'
        when {{ score }} < 5 then 'low'
        when {{ score }} < 15 then 'medium'
        else 'high'
    end
{%- endmacro %}


{#- The catalogue's word for a marts.segments history: rejected, declined, past_applicant, prospect (in_process
    for people with an application in progress, whom no catalogue rule names). -#}
{% macro catalogue_history(history) -%}
    case {{ history }}
        when 'rejected_before' then 'rejected'
        when 'declined' then 'declined'
        when 'applied_before' then 'past_applicant'
        when 'never_applied' then 'prospect'
        else {{ history }}
    end
{%- endmacro %}


{#- The variant of a campaign a person gets: one of the `|`-joined `variants` (e.g. 'a|b'), picked by a hash of
    the candidate id and the campaign name, so a person always gets the same variant of a campaign and the
    people of a campaign split about evenly. NULL when the campaign has no variants (blank). -#}
{% macro campaign_variant(candidate_id, campaign, variants) -%}
    {{ return(adapter.dispatch('campaign_variant', 'recruiting_crm')(candidate_id, campaign, variants)) }}
{%- endmacro %}

{% macro default__campaign_variant(candidate_id, campaign, variants) -%}
    {%- set count = "(length(" ~ variants ~ ") - length(replace(" ~ variants ~ ", '|', '')) + 1)" -%}
    {%- set bucket = hex7_number("substr(" ~ dbt.hash("cast(" ~ candidate_id ~ " as varchar) || '|' || "
                                 ~ campaign) ~ ", 1, 7)") -%}
    case when nullif(trim({{ variants }}), '') is not null
        then {{ dbt.split_part(variants, "'|'", "cast(" ~ bucket ~ " % " ~ count ~ " as integer) + 1") }}
    end
{%- endmacro %}


{#- A number from 7 hex digits (0 to 268435455, positive on every engine): the portable way to turn an md5
    into a bucket. -#}
{% macro hex7_number(hex) -%}
    {{ return(adapter.dispatch('hex7_number', 'recruiting_crm')(hex)) }}
{%- endmacro %}

{% macro default__hex7_number(hex) -%}
    cast(('x' || {{ hex }})::bit(28) as bigint)
{%- endmacro %}

{% macro duckdb__hex7_number(hex) -%}
    cast(('0x' || {{ hex }}) as bigint)
{%- endmacro %}
