{#- Every email address any record of a person used, with the person: events and attendance sent to an
    old address still count for them. An address two people share goes to the smaller candidate id. -#}

select
    keys.email,
    min(clustered.candidate_id) as candidate_id
from {{ ref('int_candidate_match_keys') }} as keys
inner join {{ ref('int_candidate_records_clustered') }} as clustered on clustered.record_key = keys.record_key
where keys.email is not null
group by keys.email
