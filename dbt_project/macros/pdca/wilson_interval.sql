{#- The Wilson score interval of a share (successes out of trials), 95% by default: the range the true rate
    lies in with that confidence. Unlike successes / trials ± a normal error it stays within 0..1 and is wide
    for few trials: 1 click out of 3 mails is 6%..79%, not "33%". NULL when there are no trials.
    Portable SQL (sqrt and arithmetic only), dispatched so an engine can bring its own. -#}
{% macro wilson_low(successes, trials, z=1.96) -%}
    {{ return(adapter.dispatch('wilson_bound', 'recruiting_crm')(successes, trials, -1, z)) }}
{%- endmacro %}

{% macro wilson_high(successes, trials, z=1.96) -%}
    {{ return(adapter.dispatch('wilson_bound', 'recruiting_crm')(successes, trials, 1, z)) }}
{%- endmacro %}

{#- (x + z²/2 ± z·sqrt(x(n−x)/n + z²/4)) / (n + z²), the textbook formula multiplied through by n -#}
{% macro default__wilson_bound(successes, trials, sign, z) -%}
    {%- set x = 'cast(' ~ successes ~ ' as double precision)' -%}
    {%- set n = 'cast(' ~ trials ~ ' as double precision)' -%}
    {%- set z2 = z * z -%}
    case
        when {{ trials }} is null or {{ trials }} <= 0 then null
        {#- exact at the edges, where rounding would leave -0.0 or 1.0000000001 #}
        {%- if sign > 0 %}
        when {{ successes }} >= {{ trials }} then 1.0
        {%- else %}
        when {{ successes }} <= 0 then 0.0
        {%- endif %}
        else ({{ x }} + {{ z2 / 2 }} {{ '+' if sign > 0 else '-' }} {{ z }} * sqrt(
            {{ x }} * ({{ n }} - {{ x }}) / {{ n }} + {{ z2 / 4 }}
        )) / ({{ n }} + {{ z2 }})
    end
{%- endmacro %}
