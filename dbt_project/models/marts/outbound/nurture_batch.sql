{#- The nurture mail about to go out: this month's campaign per segment, for everyone in the audience who
    has not had it yet and has had no mail within the frequency cap (the nurture rules of
    macros/outbound/may_be_mailed.sql). The send step sends exactly these rows, after the send gate has
    checked them against the same rules (nurture_batch_checks). -#}
{%- set period = var('as_of_date')[:7] -%}

with audience as (
    select * from {{ ref('nurture_audience') }}
),

candidates as (
    select * from {{ ref('candidates') }}
),

last_mail as (
    select
        candidate_id,
        max(recorded_at) as last_mailed_at
    from {{ ref('stg_outbox__sends') }}
    group by candidate_id
),

planned as (
    select
        audience.candidate_id,
        audience.email,
        audience.display_name,
        audience.segment,
        'nurture-' || audience.segment || '-{{ period }}' as campaign_id,
        '1' as step,
        last_mail.last_mailed_at,
        {{ utc_now() }} as batch_built_at
    from audience
    left join last_mail on last_mail.candidate_id = audience.candidate_id
)

select planned.*
from planned
inner join candidates on candidates.candidate_id = planned.candidate_id
where {{ rules_hold('nurture', 'planned', 'candidates') }}
