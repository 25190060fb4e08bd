"""dbt build (models, data tests, unit tests) on a small generated data set, checked against the truth."""

from __future__ import annotations

from datetime import date

import pytest

from crm.dbt_runner import DbtFailed
from crm.warehouse import connect


def test_build_runs_models_data_tests_and_unit_tests(built_warehouse):
    _, summary = built_warehouse
    assert summary.success
    assert summary.counts.get("success", 0) >= 15  # models and the seed
    assert summary.counts.get("pass", 0) >= 50  # data tests and unit tests
    assert not summary.failures


def test_every_truth_record_is_in_the_crosswalk_exactly_once(built_warehouse, demo_landing):
    warehouse, _ = built_warehouse
    with connect(warehouse, read_only=True) as con:
        con.execute(
            "create temp table truth as select * from read_csv(?, all_varchar = true)",
            [str(demo_landing / "truth.csv")],
        )
        missing, doubled, extra = con.execute("""
            select
                (select count(*) from truth t where not exists (
                    select 1 from marts.candidate_crosswalk x
                    where x.source = t.source and x.source_record_id = t.source_record_id)),
                (select count(*) from (select source, source_record_id from marts.candidate_crosswalk
                                       group by all having count(*) > 1)),
                (select count(*) from marts.candidate_crosswalk) - (select count(*) from truth)
        """).fetchone()
    assert (missing, doubled, extra) == (0, 0, 0)


def test_candidates_hold_the_golden_record(built_warehouse):
    warehouse, _ = built_warehouse
    with connect(warehouse, read_only=True) as con:
        total, with_email, opted_in, multi = con.execute("""
            select count(*), count(email), count(*) filter (where is_marketing_opt_in),
                   count(*) filter (where source_count > 1) from marts.candidates""").fetchone()
        leaked = con.execute("""
            select count(*) from marts.nurture_audience a
            join marts.email_suppressions s on s.email = a.email""").fetchone()[0]
        untraced = con.execute("""
            select count(*) from marts.candidates c
            where (c.email is not null and c.email_source is null)
               or (c.family_name is not null and c.name_source is null)
               or c.email_source not in (select record_key from marts.candidate_crosswalk x
                                         where x.candidate_id = c.candidate_id)""").fetchone()[0]
    assert total > 0 and with_email / total > 0.9 and 0 < opted_in < total and multi > 0
    assert leaked == 0
    assert untraced == 0


def test_a_failed_build_is_resumed_with_dbt_retry_and_a_new_load_rebuilds(warehouse_copy):
    """A build that failed is resumed with `dbt retry` (only the failed and skipped nodes run again, under
    the project as it is now: a fixed model or test); once a corrected export lands, the data changed and
    the next build is a full one."""
    from crm.dbt_runner import build_or_retry, next_dbt_command

    as_of = date(2026, 11, 25)
    with connect(warehouse_copy) as con:
        record_id, status = con.execute("""
            select source_record_id, json_extract_string(record, '$.status') from raw.greenhouse_applications
            order by source_record_id limit 1""").fetchone()
        con.execute(
            'update raw.greenhouse_applications set record = json_merge_patch(record, \'{"status": "withdrawn"}\') '
            "where source_record_id = ?",
            [record_id],
        )
    with pytest.raises(DbtFailed, match="dbt build --exclude test_type:unit failed"):
        build_or_retry(warehouse_copy, as_of)
    with pytest.raises(
        DbtFailed, match="dbt retry failed:\n  test accepted_values_stg_greenhouse__applications_status"
    ):
        build_or_retry(warehouse_copy, as_of)  # nothing fixed: the retry fails on the same test, and only there

    with connect(warehouse_copy) as con:  # a corrected export lands
        con.execute(
            "update raw.greenhouse_applications set record = json_merge_patch(record, json_object('status', ?)) "
            "where source_record_id = ?",
            [status, record_id],
        )
        con.execute(
            "insert into audit.loads (load_id, source, stream, file, status, started_at) values "
            "('corrected', 'greenhouse', 'greenhouse_applications', 'applications_fixed.json', 'loaded', now())"
        )
    assert next_dbt_command(warehouse_copy, as_of)[0][0] == "build"


def test_dbt_warnings_are_read_from_the_build_that_reported_them(built_warehouse):
    """Warn-severity tests do not stop the build; the flow reports them (run summary, logs) by name."""
    from flows.build import dbt_warnings

    warehouse, summary = built_warehouse
    warned = dbt_warnings(str(warehouse), "run_results.json", summary.invocation_id)
    # the small demo has sources whose newest record is over 90 days old (how many depends on the demo's size)
    assert any(w.startswith("candidate_records_newest_within_90_days: Got ") for w in warned), warned
    assert dbt_warnings(str(warehouse), "run_results.json", "another-invocation") == []


@pytest.mark.usefixtures("prefect_harness")
def test_a_failing_error_severity_dbt_test_fails_the_build_flow_naming_it(warehouse_copy):
    """A record dated in 2031 breaks the invariant the staging gate used to check; it is a dbt test at error
    severity now, and the build-warehouse flow fails with a message naming that test."""
    from flows.build import build_warehouse

    with connect(warehouse_copy) as con:
        con.execute("""
            update raw.greenhouse_candidates
            set record = json_merge_patch(record, '{"created_at": "2031-01-01T00:00:00.000Z"}')
            where source_record_id = (select min(source_record_id) from raw.greenhouse_candidates)""")
    state = build_warehouse(str(warehouse_copy), date(2026, 11, 25), return_state=True)
    assert state.is_failed()
    message = str(state.message)
    assert "test candidate_records_dates_between_2000_and_the_run_date" in message, message
