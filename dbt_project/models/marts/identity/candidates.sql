{#- contract: one row per candidate_id. The golden record, field by field (survivorship):

    - names and their readings: the most complete record (both parts given), then the most trusted source
      (the ATS, then agencies and Career Relay, then job boards, then prospect notes), then the most recent;
    - birth date, gender: the most trusted source, then the most recent;
    - email, phone, place, job type, experience, skills and consent: the most recent statement, then the
      most trusted source.
    Each field's `*_source` column names the source record (`source:source_record_id`) it came from. -#}

with records as (
    select
        unioned.*,
        clustered.candidate_id
    from {{ ref('int_candidate_records_unioned') }} as unioned
    inner join {{ ref('int_candidate_records_clustered') }} as clustered
        on clustered.record_key = unioned.record_key
),

job_families as (
    select * from {{ ref('job_type_families') }}
),

{%- set by_completeness = "case when family_name is not null and given_name is not null then 0 else 1 end, "
    ~ "source_trust_rank, record_date desc, record_key" %}
{%- set by_trust = "source_trust_rank, record_date desc, record_key" %}
{%- set by_recency = "record_date desc, source_trust_rank, record_key" %}

survivors as (
    select distinct
        candidate_id,
        {{ latest_value('family_name', 'candidate_id', by_completeness) }} as family_name,
        -- the given name comes from the same record as the family name ('' marks "that record had none")
        nullif(
            {{ latest_value(
                "case when family_name is not null then coalesce(given_name, '') end", 'candidate_id', by_completeness
            ) }},
            ''
        )
            as given_name,
        {{ latest_value("case when family_name is not null then record_key end", 'candidate_id', by_completeness) }}
            as name_source,
        {{ latest_value('family_name_kana', 'candidate_id', by_completeness) }} as family_name_kana,
        {{ latest_value('given_name_kana', 'candidate_id', by_completeness) }} as given_name_kana,
        {{ latest_value(
            "case when family_name_kana is not null then record_key end", 'candidate_id', by_completeness
        ) }} as name_kana_source,
        {{ latest_value('birth_date', 'candidate_id', by_trust) }} as birth_date,
        {{ latest_value("case when birth_date is not null then record_key end", 'candidate_id', by_trust) }}
            as birth_date_source,
        {{ latest_value('gender', 'candidate_id', by_trust) }} as gender,
        {{ latest_value('email', 'candidate_id', by_recency) }} as email,
        {{ latest_value("case when email is not null then record_key end", 'candidate_id', by_recency) }}
            as email_source,
        {{ latest_value('phone', 'candidate_id', by_recency) }} as phone,
        {{ latest_value("case when phone is not null then record_key end", 'candidate_id', by_recency) }}
            as phone_source,
        {{ latest_value('prefecture', 'candidate_id', by_recency) }} as prefecture,
        {{ latest_value("case when prefecture is not null then record_key end", 'candidate_id', by_recency) }}
            as prefecture_source,
        {{ latest_value('desired_job_type', 'candidate_id', by_recency) }} as desired_job_type,
        {{ latest_value("case when desired_job_type is not null then record_key end", 'candidate_id', by_recency) }}
            as desired_job_type_source,
        {{ latest_value('years_experience', 'candidate_id', by_recency) }} as years_experience,
        {{ latest_value('skills', 'candidate_id', by_recency) }} as skills,
        {{ latest_value("case when skills is not null then record_key end", 'candidate_id', by_recency) }}
            as skills_source,
        {{ latest_value('is_marketing_opt_in', 'candidate_id', by_recency) }} as is_marketing_opt_in,
        {{ latest_value("case when is_marketing_opt_in is not null then source end", 'candidate_id', by_recency) }}
            as marketing_consent_source,
        {{ latest_value(
            "case when is_marketing_opt_in is not null then marketing_opt_in_date end", 'candidate_id', by_recency
        ) }} as marketing_consent_date,
        {{ latest_value('has_relay_consent', 'candidate_id', by_recency) }} as has_relay_consent,
        {{ latest_value("case when has_relay_consent is not null then source end", 'candidate_id', by_recency) }}
            as relay_consent_source,
        {{ latest_value("case when has_relay_consent is not null then record_key end", 'candidate_id', by_recency) }}
            as relay_consent_record
    from records
),

record_stats as (
    select
        candidate_id,
        count(*) as source_record_count,
        count(distinct source) as source_count,
        {{ list_distinct('source') }} as sources,
        min(record_date) as first_seen_date,
        max(record_date) as last_seen_date
    from records
    group by candidate_id
),

application_stats as (
    select
        candidate_id,
        count(*) as application_count,
        max(case when status = 'hired' then 1 else 0 end) = 1 as is_hired,
        max(case when status = 'rejected' then 1 else 0 end) = 1 as has_been_rejected,
        max(case when status = 'declined' then 1 else 0 end) = 1 as has_declined,
        max(case when status in ('rejected', 'declined') then closed_at end) as last_closed_at,
        max(applied_at) as last_applied_at
    from {{ ref('applications') }}
    group by candidate_id
)

select
    survivors.candidate_id,
    trim(coalesce(survivors.family_name, '') || ' ' || coalesce(survivors.given_name, '')) as display_name,
    survivors.family_name,
    survivors.given_name,
    survivors.family_name_kana,
    survivors.given_name_kana,
    survivors.name_source,
    survivors.name_kana_source,
    survivors.birth_date,
    survivors.birth_date_source,
    survivors.gender,
    survivors.email,
    survivors.email_source,
    survivors.phone,
    survivors.phone_source,
    survivors.prefecture,
    survivors.prefecture_source,
    survivors.desired_job_type,
    survivors.desired_job_type_source,
    job_families.job_family,
    survivors.years_experience,
    survivors.skills,
    survivors.skills_source,
    coalesce(survivors.is_marketing_opt_in, false) as is_marketing_opt_in,
    survivors.marketing_consent_source,
    survivors.marketing_consent_date,
    coalesce(survivors.has_relay_consent, false) as has_relay_consent,
    survivors.relay_consent_source,
    survivors.relay_consent_record,
    record_stats.source_record_count,
    record_stats.source_count,
    record_stats.sources,
    record_stats.first_seen_date,
    record_stats.last_seen_date,
    coalesce(application_stats.application_count, 0) as application_count,
    coalesce(application_stats.is_hired, false) as is_hired,
    coalesce(application_stats.has_been_rejected, false) as has_been_rejected,
    coalesce(application_stats.has_declined, false) as has_declined,
    application_stats.last_closed_at,
    application_stats.last_applied_at
from survivors
inner join record_stats on record_stats.candidate_id = survivors.candidate_id
left join application_stats on application_stats.candidate_id = survivors.candidate_id
left join job_families on job_families.job_type_label = trim(survivors.desired_job_type)
