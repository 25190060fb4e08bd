{#- contract: the Career Relay credit ledger, one row per company and month since the first referral.
    A referral is a registration at Career Relay made through one of our tracking tokens, as the operator
    reports it; every var('relay_referrals_per_free_slot') referrals earn one free slot (a candidate
    introduced to us for free). Each person Career Relay introduces to us uses a slot while there are
    slots left. The operator's count is reconciled against ours: a registration whose token we never
    issued, or that names another company, is counted by them and not by us. -#}
{%- set per_slot = var('relay_referrals_per_free_slot') | int -%}
{%- set company = "'" ~ var('career_relay_company_id') ~ "'" -%}

with registrations as (
    select
        registrations.registration_id,
        registrations.company_id,
        {{ dbt.date_trunc('month', 'registrations.registered_at') }} as month,
        links.tracking_token is not null and links.company_id = registrations.company_id as is_ours
    from {{ ref('stg_career_relay__registrations') }} as registrations
    left join {{ ref('stg_outbox__relay_links') }} as links on links.tracking_token = registrations.tracking_token
),

received as (
    {%- set referred_month = dbt.date_trunc(
        'month', "cast(coalesce(referred_date, cast(loaded_at as date)) as timestamp)"
    ) %}
    select
        {{ referred_month }} as month,
        count(*) as received
    from {{ ref('stg_career_relay__referrals') }}
    group by {{ referred_month }}
),

monthly as (
    select
        company_id,
        month,
        count(*) as operator_referrals,
        count(case when is_ours then 1 end) as referrals
    from registrations
    group by company_id, month
),

months as (
    select
        company_id,
        month
    from monthly
    union
    select
        {{ company }},
        month
    from received
),

ledger as (
    select
        months.company_id,
        cast(months.month as date) as month,
        coalesce(monthly.referrals, 0) as referrals,
        coalesce(monthly.operator_referrals, 0) as operator_referrals,
        case when months.company_id = {{ company }} then coalesce(received.received, 0) else 0 end as introduced,
        sum(coalesce(monthly.referrals, 0))
            over (partition by months.company_id order by months.month)
            as referrals_to_date,
        sum(coalesce(monthly.operator_referrals, 0)) over (partition by months.company_id order by months.month)
            as operator_referrals_to_date,
        sum(case when months.company_id = {{ company }} then coalesce(received.received, 0) else 0 end)
            over (partition by months.company_id order by months.month) as introduced_to_date
    from months
    left join monthly on monthly.company_id = months.company_id and monthly.month = months.month
    left join received on received.month = months.month
)

select
    company_id,
    month,
    referrals,
    referrals_to_date,
    floor(referrals_to_date / {{ per_slot }}) as slots_earned_to_date,
    introduced,
    least(introduced_to_date, floor(referrals_to_date / {{ per_slot }})) as slots_used_to_date,
    floor(referrals_to_date / {{ per_slot }}) - least(introduced_to_date, floor(referrals_to_date / {{ per_slot }}))
        as slots_left,
    operator_referrals,
    operator_referrals_to_date,
    operator_referrals_to_date - referrals_to_date as unmatched_referrals_to_date,
    floor(operator_referrals_to_date / {{ per_slot }}) - floor(referrals_to_date / {{ per_slot }}) as slot_difference,
    operator_referrals_to_date = referrals_to_date as is_reconciled
from ledger
