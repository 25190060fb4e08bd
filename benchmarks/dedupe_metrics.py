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
