"""A reviewer's cannot_link decision splits a pair the model merged, and the dbt test guarding it can fail.

The seed identity_decisions ships with its header only, so the singular test assert_cannot_link_pairs_stay_apart
passes on every build by construction; this test gives it a decision to guard."""

from __future__ import annotations

from datetime import date

import pytest

from crm.dbt_runner import DbtFailed, run_dbt
from crm.warehouse import connect

AS_OF = date(2026, 11, 25)
GUARD = "assert_cannot_link_pairs_stay_apart"


def _candidates_of(con, keys):
    return con.execute(
        "select record_key, candidate_id from marts.candidate_crosswalk where record_key in (?, ?) order by 1", keys
    ).fetchall()


def test_a_cannot_link_decision_splits_the_pair_and_its_guard_fails_until_it_does(warehouse_copy):
    with connect(warehouse_copy) as con:
        pair = con.execute("""
            select min(record_key), max(record_key) from marts.candidate_crosswalk
            group by candidate_id having count(*) = 2 order by candidate_id limit 1""").fetchone()
        assert pair, "the demo should hold a person described by exactly two records"
        con.execute(
            "insert into seeds.identity_decisions values (?, ?, 'cannot_link', 'reviewer@example.jp', "
            "date '2026-11-20', 'different people: same name, other birth date')",
            list(pair),
        )
        (_, first), (_, second) = _candidates_of(con, pair)
        assert first == second

    # the decision is not applied yet: the guard must say so
    with pytest.raises(DbtFailed, match=GUARD):
        run_dbt(["test", "--select", GUARD], warehouse_copy, AS_OF)

    # the next build (the seed table as the reviewer left it) keeps them apart, and the guard passes
    rebuilt = run_dbt(
        # the path from the matches to the crosswalk and the candidates (what the decision changes, the guard reads)
        ["build", "--select", "int_candidate_matches+,+candidates", "--exclude", "resource_type:seed"]
        + ["--indirect-selection", "cautious"],
        warehouse_copy,
        AS_OF,
    )
    assert rebuilt.success, rebuilt.failures
    with connect(warehouse_copy, read_only=True) as con:
        (_, first), (_, second) = _candidates_of(con, pair)
    assert first != second
    assert run_dbt(["test", "--select", GUARD], warehouse_copy, AS_OF).success
