{#- contract: one row per rejected or declined application, with the day the person may be approached
    for a new opening. A rejection waits the cool-off of the job's family (seed job_family_cool_off, HR
    can edit it; var('default_cool_off_months') when the family is unknown); a candidate who declined us
    may be approached again at once. -#}

with applications as (
    select * from {{ ref('applications') }}
    where status in ('rejected', 'declined')
),

candidates as (
    select
        candidate_id,
        job_family
    from {{ ref('candidates') }}
),

cool_off as (
    select
        job_family,
        cool_off_months
    from {{ ref('job_family_cool_off') }}
),

closed as (
    select
        applications.application_key,
        applications.candidate_id,
        applications.source,
        applications.channel,
        applications.job_id,
        applications.job_title,
        coalesce(applications.job_family, candidates.job_family) as job_family,
        applications.status,
        applications.stage_name,
        applications.rejection_reason,
        cast(coalesce(applications.closed_at, applications.applied_at) as date) as closed_date
    from applications
    left join candidates on candidates.candidate_id = applications.candidate_id
)

select
    closed.*,
    case
        when
            closed.status = 'rejected'
            then coalesce(cool_off.cool_off_months, {{ var('default_cool_off_months') }}) else
            0
    end
        as cool_off_months,
    cast({{ dbt.dateadd('month',
        "case when closed.status = 'rejected' then coalesce(cool_off.cool_off_months, " ~ var('default_cool_off_months') ~ ") else 0 end",
        'closed.closed_date') }} as date) as reapply_eligible_date
from closed
left join cool_off on cool_off.job_family = closed.job_family
