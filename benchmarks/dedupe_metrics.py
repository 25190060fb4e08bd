"""Accuracy of a clustering of source records against the demo generator's truth, computed in DuckDB.

Pairwise precision and recall count record pairs put together; B-cubed averages, per record, how much of
its predicted cluster is really its person (precision) and how much of its person it was clustered with
(recall). Both F1s are the harmonic mean of the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Accuracy:
    records: int
    true_pairs: int
    predicted_pairs: int
    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float


def _f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def accuracy(con, truth_csv: Path, predicted_sql: str) -> Accuracy:
    """predicted_sql: a query with columns record_key ('source:source_record_id') and cluster_id."""
    con.execute(
        f"""
        create or replace temp table _scored as
        with truth as (
            select source || ':' || source_record_id as record_key, person_id
            from read_csv('{truth_csv}', all_varchar = true)
        ),
        predicted as ({predicted_sql})
        select truth.record_key, truth.person_id, predicted.cluster_id
        from truth inner join predicted using (record_key)
        """
    )
    row = con.execute(
        """
        with cells as (select person_id, cluster_id, count(*) as n from _scored group by all),
        person_sizes as (select person_id, count(*) as n from _scored group by all),
        cluster_sizes as (select cluster_id, count(*) as n from _scored group by all),
        per_record as (
            select cells.n * 1.0 / c.n as p, cells.n * 1.0 / t.n as r, cells.n as weight
            from cells
            join cluster_sizes c using (cluster_id)
            join person_sizes t using (person_id)
        )
        select
            (select count(*) from _scored),
            (select sum(n * (n - 1) / 2) from person_sizes),
            (select sum(n * (n - 1) / 2) from cluster_sizes),
            (select sum(n * (n - 1) / 2) from cells),
            (select sum(p * weight) / sum(weight) from per_record),
            (select sum(r * weight) / sum(weight) from per_record)
        """
    ).fetchall()[0]
    records, true_pairs, predicted_pairs, together, bp, br = row
    precision = together / predicted_pairs if predicted_pairs else 1.0
    recall = together / true_pairs if true_pairs else 1.0
    return Accuracy(
        records=records,
        true_pairs=int(true_pairs),
        predicted_pairs=int(predicted_pairs),
        pairwise_precision=precision,
        pairwise_recall=recall,
        pairwise_f1=_f1(precision, recall),
        bcubed_precision=bp,
        bcubed_recall=br,
        bcubed_f1=_f1(bp, br),
    )


@dataclass(frozen=True)
class MissedPairs:
    """Why true pairs were not put together: never compared (no blocking rule), compared and scored below the
    review threshold, scored for review (between review and match threshold), or scored a match and still
    apart (the chain guard split them); and what the never-compared pairs share."""

    missed: int
    never_compared: int
    below_review: int
    review: int
    matched_but_split: int
    never_compared_sharing_only_name: int
    never_compared_sharing_nothing: int


def missed_pairs(con, truth_csv: Path) -> MissedPairs:
    """Classifies the missed true pairs of a warehouse built by the dedupe models (intermediate schema)."""
    row = con.execute(
        f"""
        with truth as (
            select keys.node_id, t.person_id
            from read_csv('{truth_csv}', all_varchar = true) as t
            inner join intermediate.int_candidate_match_keys as keys
                on keys.record_key = t.source || ':' || t.source_record_id
        ),
        clustered as (
            select keys.node_id, c.candidate_id
            from intermediate.int_candidate_records_clustered as c
            inner join intermediate.int_candidate_match_keys as keys using (record_key)
        ),
        missed as (
            select a.node_id as l, b.node_id as r
            from truth as a
            inner join truth as b on b.person_id = a.person_id and b.node_id > a.node_id
            inner join clustered as ca on ca.node_id = a.node_id
            inner join clustered as cb on cb.node_id = b.node_id
            where ca.candidate_id <> cb.candidate_id
        ),
        classed as (
            select
                missed.*,
                pairs.node_id_l is not null as compared,
                coalesce(matches.decision, 'no_match') as decision,
                coalesce(kl.email_canonical = kr.email_canonical, false)
                or coalesce(kl.phone in (kr.phone, kr.phone2) or kl.phone2 = kr.phone, false)
                or coalesce(kl.birth_date = kr.birth_date, false)
                or coalesce(kl.postal_code = kr.postal_code, false)
                or coalesce(kl.street_number = kr.street_number and kl.street_name = kr.street_name, false)
                    as shares_identifier,
                coalesce(kl.name_reading_key = kr.name_reading_key, false) as shares_name
            from missed
            left join intermediate.int_candidate_pairs as pairs on pairs.node_id_l = missed.l and pairs.node_id_r = missed.r
            left join intermediate.int_candidate_matches as matches
                on matches.node_id_l = missed.l and matches.node_id_r = missed.r
            inner join intermediate.int_candidate_match_keys as kl on kl.node_id = missed.l
            inner join intermediate.int_candidate_match_keys as kr on kr.node_id = missed.r
        )
        select
            count(*),
            count(*) filter (where not compared),
            count(*) filter (where compared and decision = 'no_match'),
            count(*) filter (where compared and decision = 'review'),
            count(*) filter (where compared and decision = 'match'),
            count(*) filter (where not compared and shares_name and not shares_identifier),
            count(*) filter (where not compared and not shares_name and not shares_identifier)
        from classed
        """
    ).fetchone()
    return MissedPairs(*(int(v or 0) for v in row))
