{#- The open jobs a nurture mail lists: every job posting open on the run date (posted, not yet expired), the
    same test marts.segments uses for "a job of the family is open". The send step puts up to three of them in
    each mail, those in the person’s job family (any family for people whose family is unknown), nearest first. -#}

with postings as (
    select * from {{ ref('stg_jobs__job_postings') }}
)

select
    job_id,
    job_title,
    job_family,
    prefecture,
    posted_date,
    valid_through_at
from postings
where valid_through_at >= cast('{{ var("as_of_date") }}' as timestamp)
    and posted_date <= cast('{{ var("as_of_date") }}' as date)
    and job_family is not null
