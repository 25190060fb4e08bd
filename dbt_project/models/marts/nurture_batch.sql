{#- The nurture mail about to go out: this month's campaign per segment, for everyone in the audience who
    has not had it yet and has had no mail within the frequency cap. The send step sends exactly these
    rows, after the quality gate has checked them. -#}
{%- set period = var('as_of_date')[:7] -%}
{%- set cap_days = var('nurture_frequency_cap_days') | int -%}

with audience as (
    select * from {{ ref('nurture_audience') }}
),

sends as (
    select * from {{ ref('stg_outbox__sends') }}
),

last_mail as (
    select candidate_id, max(recorded_at) as last_mailed_at
    from sends
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
        last_mail.last_mailed_at
    from audience
    left join last_mail on last_mail.candidate_id = audience.candidate_id
)

select
    planned.*,
    {{ utc_now() }} as batch_built_at
from planned
where not exists (
        select 1 from sends
        where sends.candidate_id = planned.candidate_id
          and sends.campaign_id = planned.campaign_id
          and sends.step = planned.step)
  and (planned.last_mailed_at is null
       or planned.last_mailed_at < {{ dbt.dateadd('day', -cap_days, "cast('" ~ var('as_of_date') ~ "' as timestamp)") }})
