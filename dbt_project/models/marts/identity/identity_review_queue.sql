{#- contract: one row per pair of source records a person should look at, most uncertain first.

    Two kinds: pairs whose match probability fell between var('review_threshold') and
    var('match_threshold') ('borderline score'), and pairs that were linked through others but kept
    apart by the chain guard ('kept apart by the chain guard'). To decide, add a row to the seed
    identity_decisions (must_link or cannot_link; `decision_row` is ready to paste) and rebuild. -#}

with matches as (
    select * from {{ ref('int_candidate_matches') }}
),

clustered as (
    select
        record_key,
        node_id,
        candidate_id,
        linked_component_node_id,
        was_split_by_guard
    from {{ ref('int_candidate_records_clustered') }}
),

borderline as (
    select
        matches.*,
        'borderline score' as review_reason
    from matches
    where matches.decision = 'review'
),

guarded as (
    select
        matches.*,
        'kept apart by the chain guard' as review_reason
    from matches
    inner join clustered as l on l.node_id = matches.node_id_l
    inner join clustered as r on r.node_id = matches.node_id_r
    where matches.decision = 'match'
        and l.was_split_by_guard
        and l.candidate_id <> r.candidate_id
),

queued as (
    select * from borderline
    union all
    select * from guarded
)

select
    queued.record_key_l as record_key_a,
    queued.record_key_r as record_key_b,
    l.candidate_id as candidate_id_a,
    r.candidate_id as candidate_id_b,
    l.candidate_id = r.candidate_id as currently_same_candidate,
    queued.review_reason,
    queued.match_probability,
    queued.match_weight,
    queued.email_level,
    queued.phone_level,
    queued.name_level,
    queued.birth_date_level,
    queued.place_level,
    queued.career_level,
    queued.blocked_by,
    queued.rule_version,
    queued.record_key_l || ',' || queued.record_key_r || ',<must_link or cannot_link>,<your name>,<yyyy-mm-dd>,<why>'
        as decision_row
from queued
inner join clustered as l on l.node_id = queued.node_id_l
inner join clustered as r on r.node_id = queued.node_id_r
order by abs(queued.match_probability - 0.5), queued.record_key_l, queued.record_key_r
