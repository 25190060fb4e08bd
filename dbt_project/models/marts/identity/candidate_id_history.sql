{#- contract: one row per (retired or split candidate id, the id its records now belong to, change time).
    When two people merge, the younger id is retired and maps to the surviving one ('merged'); when a
    person is split (a cannot_link decision, a corrected record), some records move to a new id while the
    old id lives on ('split'). Anything keyed by an old candidate_id (a CRM note, an export) can be
    followed to today's id through this table. Read from candidate_crosswalk_versions: a move is a record's
    version followed directly by a version with another candidate. -#}

with versions as (
    select
        record_key,
        candidate_id,
        valid_from,
        lag(candidate_id) over (partition by record_key order by valid_from) as previous_candidate_id
    from {{ ref('candidate_crosswalk_versions') }}
),

moves as (
    select
        previous_candidate_id as old_candidate_id,
        candidate_id as new_candidate_id,
        valid_from as changed_at,
        count(*) as records_moved
    from versions
    where previous_candidate_id is not null
        and candidate_id is not null
        and previous_candidate_id <> candidate_id
    group by previous_candidate_id, candidate_id, valid_from
),

current_ids as (
    select distinct candidate_id from {{ ref('candidate_crosswalk') }}
)

select
    moves.old_candidate_id,
    moves.new_candidate_id,
    moves.changed_at,
    moves.records_moved,
    case when current_ids.candidate_id is null then 'merged' else 'split' end as change_type,
    current_ids.candidate_id is not null as old_id_still_in_use
from moves
left join current_ids on current_ids.candidate_id = moves.old_candidate_id
