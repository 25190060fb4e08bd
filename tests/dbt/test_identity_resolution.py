"""Identity resolution end to end: accuracy against the generator's truth, and candidate ids that stay put
across builds (a merge keeps the older id and records the retired one in marts.candidate_id_history)."""

from __future__ import annotations

import json
from datetime import date

from benchmarks.dedupe_metrics import accuracy
from crm.dbt_runner import run_dbt
from crm.warehouse import connect

IDENTITY_OUTPUTS = (
    "candidate_id_history",
    "candidate_crosswalk_versions",
    "int_candidate_record_first_seen",
    "candidates",
)
# what a new Greenhouse record changes that these tests read: the path from its staging model to the
# crosswalk, its versions, the id history, first-seen times and the candidates (not all 193 nodes below it)
REBUILD = [
    "build",
    "--select",
    *(f"stg_greenhouse__candidates+,+{model}" for model in IDENTITY_OUTPUTS),
    "--exclude",
    "test_type:unit",
    "--indirect-selection",
    "cautious",  # the data tests of these nodes, not those that also read a mart left as it was
]


def test_matching_is_accurate_on_the_demo(built_warehouse, demo_landing):
    warehouse, _ = built_warehouse
    with connect(warehouse, read_only=True) as con:
        scores = accuracy(
            con,
            demo_landing / "truth.csv",
            "select record_key, candidate_id as cluster_id from marts.candidate_crosswalk",
        )
    assert scores.records > 500
    assert scores.pairwise_precision >= 0.99
    assert scores.pairwise_recall >= 0.95
    assert scores.bcubed_f1 >= 0.98


def test_realistic_demo_without_contacts_with_households_and_drift(tmp_path):
    """The demo with the real world's mess switched on (an agency that never sends contacts, families at one
    address with one phone, birth dates and skills that drift): the weights are learned without labels,
    people are still found, and family members stay apart."""
    from benchmarks.bench_gates import land
    from connectors.demo.generator import DemoOptions, generate

    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    generate(1500, 21, landing, DemoOptions.realistic())
    land(landing, warehouse)
    run_dbt(
        ["build", "--select", "+int_candidate_records_clustered", "--exclude", "test_type:unit"]
        + ["--indirect-selection", "cautious"],
        warehouse,
        date(2026, 11, 25),
    )
    clusters = "select record_key, candidate_id as cluster_id from intermediate.int_candidate_records_clustered"
    with connect(warehouse, read_only=True) as con:
        scores = accuracy(con, landing / "truth.csv", clusters)
        converged, household_pairs = con.execute("""
            select (select bool_and(is_converged) from intermediate.int_match_weights),
                   (select count(*) from intermediate.int_candidate_pairs
                    where pair_context = 'shares_contact' and name_level = 'one_part')""").fetchone()
        no_contact = con.execute(f"""
            with truth as (
                select source || ':' || source_record_id as record_key, person_id
                from read_csv('{landing / "truth.csv"}', all_varchar = true)
            ),
            clustered as ({clusters})
            select count(*) filter (where a.cluster_id = b.cluster_id), count(*)
            from truth as ta
            join clustered as a on a.record_key = ta.record_key
            join truth as tb on tb.person_id = ta.person_id and tb.record_key <> ta.record_key
            join clustered as b on b.record_key = tb.record_key
            where ta.record_key like 'agency_nihon_jinzai:%'""").fetchone()
    assert converged
    assert household_pairs > 20, "families sharing a phone or address were compared"
    assert scores.pairwise_precision >= 0.99
    assert scores.pairwise_recall >= 0.93
    found, pairs = no_contact
    assert pairs > 50 and found / pairs >= 0.9, "records of the agency that withholds contacts are matched"


def test_every_match_keeps_its_evidence(built_warehouse):
    warehouse, _ = built_warehouse
    with connect(warehouse, read_only=True) as con:
        matches, without_evidence, weights = con.execute("""
            select count(*),
                   count(*) filter (where name_level is null or email_level is null or match_probability is null
                                    or rule_version <> 'fs-v2'),
                   (select count(*) from intermediate.int_match_weights)
            from intermediate.int_candidate_matches where decision = 'match'""").fetchone()
    assert matches > 0 and without_evidence == 0 and weights > 20


def _insert_greenhouse_candidate(con, candidate_id: int, email: str, phone: str, created: str) -> None:
    """A new Greenhouse candidate named 試験 太郎 with no birth date, made from an existing record."""
    patch = {
        "id": candidate_id,
        "first_name": "太郎",
        "last_name": "試験",
        "created_at": created,
        "email_addresses": [{"value": email, "type": "personal"}],
        "phone_numbers": [{"value": phone, "type": "mobile"}],
        "addresses": [],
        "tags": [],
        "custom_fields": {"birth_date": None, "name_kana": "シケン タロウ", "desired_job_type": None},
    }
    con.execute(
        """
        insert into raw.greenhouse_candidates
        select 'test-load-' || ?, source, file, record_position, now()::timestamp, ?, json_merge_patch(record, ?)
        from raw.greenhouse_candidates order by source_record_id limit 1""",
        [str(candidate_id), str(candidate_id), json.dumps(patch, ensure_ascii=False)],
    )


def _ids(con) -> dict[str, str]:
    return dict(con.execute("select record_key, candidate_id from marts.candidate_crosswalk").fetchall())


def test_a_merge_keeps_the_older_id_and_nobody_else_is_renamed(warehouse_copy):
    as_of = date(2026, 11, 25)
    # two records of one person that share nothing but the name: kept apart at first
    with connect(warehouse_copy) as con:
        _insert_greenhouse_candidate(
            con, 99000001, "shiken.taro@example.jp", "090-0000-0001", "2026-01-10T01:00:00.000Z"
        )
        _insert_greenhouse_candidate(con, 99000002, "taro.s@example.org", "090-0000-0002", "2026-02-10T01:00:00.000Z")
    run_dbt(REBUILD, warehouse_copy, as_of)
    with connect(warehouse_copy, read_only=True) as con:
        before = _ids(con)
    first, second = before["greenhouse:99000001"], before["greenhouse:99000002"]
    assert first != second

    # a third record shares the first one's email and the second one's phone: one person now
    with connect(warehouse_copy) as con:
        _insert_greenhouse_candidate(
            con, 99000003, "shiken.taro@example.jp", "090-0000-0002", "2026-03-10T01:00:00.000Z"
        )
    run_dbt(REBUILD, warehouse_copy, as_of)
    with connect(warehouse_copy, read_only=True) as con:
        after = _ids(con)
        history = con.execute("""select old_candidate_id, new_candidate_id, change_type, records_moved
                                 from marts.candidate_id_history""").fetchall()

    assert after["greenhouse:99000001"] == after["greenhouse:99000002"] == after["greenhouse:99000003"] == first
    assert history == [(second, first, "merged", 1)]
    renamed = [key for key, candidate in before.items() if after[key] != candidate and key != "greenhouse:99000002"]
    assert renamed == []


def test_the_review_queue_offers_a_ready_decision_row(warehouse_copy):
    """The demo may leave no borderline pair, so one scored pair is made borderline (as the matcher would
    leave it between the two thresholds) and the queue is rebuilt from it."""
    with connect(warehouse_copy) as con:
        con.execute("""
            update intermediate.int_candidate_matches set decision = 'review', match_probability = 0.5
            where record_key_l || ' ' || record_key_r = (
                select min(record_key_l || ' ' || record_key_r) from intermediate.int_candidate_matches
                where decision = 'match')""")
    run_dbt(["run", "--select", "identity_review_queue"], warehouse_copy, date(2026, 11, 25))
    with connect(warehouse_copy, read_only=True) as con:
        rows = con.execute("""select record_key_a, record_key_b, decision_row, match_probability
                              from marts.identity_review_queue""").fetchall()
    assert rows, "the borderline pair should be in the review queue"
    for key_a, key_b, decision_row, probability in rows:
        assert decision_row.startswith(f"{key_a},{key_b},<must_link or cannot_link>")
        assert 0 < probability < 1


def test_a_warehouse_built_with_the_retired_snapshot_keeps_its_first_seen_times_and_history(warehouse_copy):
    """The first build after the snapshot was retired carries its first-seen times (which name people) and
    its id history over into int_candidate_record_first_seen and candidate_crosswalk_versions, once."""
    with connect(warehouse_copy) as con:
        person, anchor, other = con.execute("""
            select candidate_id, max(record_key) filter (where is_anchor_record),
                   min(record_key) filter (where not is_anchor_record)
            from marts.candidate_crosswalk group by candidate_id having count(*) >= 2
            order by candidate_id limit 1""").fetchone()
        con.execute("drop table intermediate.int_candidate_record_first_seen")
        con.execute("drop table marts.candidate_crosswalk_versions")
        con.execute("create schema snapshots")
        # as the retired snapshot left it: every record seen in 2020 but `other`, seen first (2019), and one
        # record that belonged to a since retired id until 2020-02-01
        con.execute("""
            create table snapshots.candidate_crosswalk_snapshot as
            select source, source_record_id, candidate_id, record_key, is_anchor_record,
                   md5(record_key) as dbt_scd_id, timestamp '2020-01-01' as dbt_updated_at,
                   timestamp '2020-01-01' as dbt_valid_from, cast(null as timestamp) as dbt_valid_to
            from marts.candidate_crosswalk""")
        con.execute(
            "update snapshots.candidate_crosswalk_snapshot set dbt_valid_from = timestamp '2019-01-01' "
            "where record_key = ?",
            [other],
        )
        con.execute(
            """insert into snapshots.candidate_crosswalk_snapshot
               select source, source_record_id, 'Cretired', record_key, false, 'old', timestamp '2019-06-01',
                      timestamp '2019-06-01', timestamp '2020-01-01'
               from marts.candidate_crosswalk where record_key = ?""",
            [anchor],
        )
        snapshot_rows = con.execute("select count(*) from snapshots.candidate_crosswalk_snapshot").fetchone()[0]
    run_dbt(REBUILD, warehouse_copy, date(2026, 11, 25))
    with connect(warehouse_copy, read_only=True) as con:
        first_seen = dict(
            con.execute(
                "select record_key, first_seen_at::date::varchar from intermediate.int_candidate_record_first_seen"
            ).fetchall()
        )
        named_after = con.execute(
            "select record_key from marts.candidate_crosswalk where is_anchor_record and record_key in (?, ?)",
            [anchor, other],
        ).fetchall()
        carried = con.execute(
            "select count(*) from marts.candidate_crosswalk_versions where valid_from < timestamp '2021-01-01'"
        ).fetchone()[0]
        history = con.execute(
            "select old_candidate_id, change_type from marts.candidate_id_history where changed_at < '2021-01-01'"
        ).fetchall()
    assert first_seen[other] == "2019-01-01" and first_seen[anchor] == "2019-06-01"  # its retired version
    assert set(first_seen.values()) == {"2019-01-01", "2019-06-01", "2020-01-01"}
    assert named_after == [(other,)], f"{person} is named after the record the snapshot saw first"
    assert carried == snapshot_rows
    assert history == [("Cretired", "merged")]
