{#- Every source record of a person with the normalised email and phone it holds: what an erasure request
    (crm/erasure.py) looks up to find a person's addresses and phones, and to hash them. A view: read
    rarely, always as new as the last build. -#}
{{ config(materialized='view') }}

select
    crosswalk.candidate_id,
    crosswalk.source,
    crosswalk.source_record_id,
    crosswalk.record_key,
    records.email,
    records.phone
from {{ ref('candidate_crosswalk') }} as crosswalk
inner join {{ ref('int_candidate_records_unioned') }} as records on records.record_key = crosswalk.record_key
