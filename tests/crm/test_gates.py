"""One test per blocking rule: seed the violation, the gate (or, for a model invariant, the dbt test) fails
and names it, nothing is sent. The gates run with an ephemeral GX context (the tests' default, tests/conftest.py)
except the one test that builds the Data Docs."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from crm.dbt_runner import DbtFailed, run_dbt, target_dir
from crm.erasure_keys import sql_keyed_hash
from crm.gates import run_gate
from crm.warehouse import connect
from flows.send import send_nurture, send_rejections_and_referrals

DEMO_KEYED_EMAIL = sql_keyed_hash("email", "'demo'")  # the erasure list's hash under the demo key

AS_OF = date(2026, 11, 25)
PARAMS = {"as_of": AS_OF.isoformat(), "cap_days": 14}


def _epoch(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp())


def mutate(warehouse: Path, *statements: str) -> None:
    with connect(warehouse) as con:
        for sql in statements:
            con.execute(sql)


def rename_key(table: str, old: str, new: str) -> str:
    return f"update raw.{table} set record = replace(cast(record as varchar), '\"{old}\"', '\"{new}\"')::json"


def blocking_failures(warehouse: Path, stage: str):
    report = run_gate(warehouse, stage, PARAMS)
    return report, [(o.suite, o.column) for o in report.blocking_failures]


def test_the_unchanged_demo_passes_every_gate(warehouse_copy):
    for stage in ("raw", "nurture", "rejections", "referrals"):
        report, failures = blocking_failures(warehouse_copy, stage)
        assert failures == [], report.failure_message()


@pytest.mark.parametrize(
    "stage, statements, suite, column",
    [
        (
            "raw",
            [rename_key("greenhouse_candidates", "email_addresses", "emails")],
            "raw_greenhouse_candidates",
            "email_addresses",
        ),
        ("raw", [rename_key("greenhouse_applications", "status", "state")], "raw_greenhouse_applications", "status"),
        (
            "raw",
            [rename_key("indeed_applications", "fullName", "name")],
            "raw_indeed_applications",
            "applicant.fullName",
        ),
        (
            "raw",
            [rename_key("agency_candidates", k, k + "_x") for k in ("メールアドレス", "電話番号1", "email", "phone")],
            "raw_agency_candidates",
            "メールアドレス/電話番号1 or email/phone",
        ),
        ("raw", [rename_key("sendgrid_events", "email", "recipient")], "raw_sendgrid_events", "email"),
    ],
    ids=lambda v: v if isinstance(v, str) and " " not in v else None,
)
def test_a_seeded_violation_fails_its_gate_by_name(warehouse_copy, stage, statements, suite, column):
    mutate(warehouse_copy, *statements)
    report, failures = blocking_failures(warehouse_copy, stage)
    assert (suite, column) in failures
    message = report.failure_message()
    assert suite in message and column in message and "Nothing was sent" in message


# The model invariants the staging and marts gates checked are dbt tests now (error severity): seed the
# violation in the built table, the dbt test of that name fails and the failure names it.
@pytest.mark.parametrize(
    "statements, dbt_test",
    [
        (
            ["update intermediate.int_candidate_records_unioned set email = null where source = 'indeed'"],
            "candidate_records_email_valid_share_blocking",
        ),
        (
            ["update intermediate.int_candidate_records_unioned set phone = null where source = 'greenhouse'"],
            "candidate_records_phone_valid_share_blocking",
        ),
        (
            ["update intermediate.int_candidate_records_unioned set record_date = date '2031-01-01' where node_id = 1"],
            "candidate_records_dates_between_2000_and_the_run_date",
        ),
        (
            ["update intermediate.int_candidate_records_unioned set source_record_id = '' where node_id = 2"],
            "candidate_records_have_their_key",
        ),
        (["insert into marts.candidates select * from marts.candidates limit 1"], "unique_candidates_candidate_id"),
        (
            [
                "update marts.candidates set candidate_id = null where candidate_id = (select min(candidate_id) "
                "from marts.candidates)"
            ],
            "not_null_candidates_candidate_id",
        ),
        (["delete from marts.candidates"], "candidates_not_empty"),
        (
            [
                "delete from marts.candidate_crosswalk where record_key = (select min(record_key) "
                "from marts.candidate_crosswalk)"
            ],
            "assert_every_landed_candidate_record_is_in_the_crosswalk",
        ),
        (
            ["insert into marts.candidate_crosswalk select * from marts.candidate_crosswalk limit 1"],
            "unique_combination_candidate_crosswalk_source__source_record_id",
        ),
        (
            [
                "update marts.candidate_crosswalk set candidate_id = 'Cghost' where record_key = (select min(record_key) "
                "from marts.candidate_crosswalk)"
            ],
            "relationships_candidate_crosswalk_candidate_id__candidate_id__ref_candidates_",
        ),
        (
            [
                "update marts.candidate_scores set engagement_score = 130 where candidate_id = (select min(candidate_id) "
                "from marts.candidate_scores)"
            ],
            "candidate_scores_engagement_score_between_0_and_100",
        ),
        (
            ["update marts.job_matches set fit_score = -5 where match_rank = 1"],
            "job_matches_fit_score_between_0_and_100",
        ),
        (
            [
                "update marts.candidates set is_hired = true where candidate_id = (select min(candidate_id) "
                "from marts.talent_pool)"
            ],
            "assert_nobody_hired_is_in_the_talent_pool",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and " " not in v else None,
)
def test_a_seeded_violation_fails_its_dbt_test_by_name(built_warehouse, warehouse_copy, statements, dbt_test):
    # it passed before the violation: in the session's build of this very warehouse (its run_results.json)
    session_build = json.loads((target_dir(built_warehouse[0]) / "run_results.json").read_text())
    assert session_build["args"]["which"] == "build"
    assert [r["status"] for r in session_build["results"] if r["unique_id"].split(".")[2] == dbt_test] == ["pass"]
    mutate(warehouse_copy, *statements)
    with pytest.raises(DbtFailed) as failed:
        run_dbt(["test", "--select", dbt_test], warehouse_copy, AS_OF)
    assert f"test {dbt_test}:" in str(failed.value)


ONE_BATCH_MEMBER = "(select min(candidate_id) from marts.nurture_batch)"


@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.parametrize(
    "statements, column",
    [
        # SendGrid events land in raw after the build: the gate reads them through views, no rebuild needed
        (
            [
                f"""insert into raw.sendgrid_events select 'L-seeded', 'sendgrid', 'seeded.json', 0, now(), 'seeded-bounce',
          json_object('event', 'bounce', 'email', email, 'timestamp', {_epoch("2026-11-01")}, 'sg_event_id', 'seeded-bounce')
          from marts.nurture_batch where candidate_id = {ONE_BATCH_MEMBER}"""
            ],
            "is_suppressed",
        ),
        (
            [
                f"""insert into raw.sendgrid_events select 'L-seeded', 'sendgrid', 'seeded.json', 0, now(), 'seeded-unsub',
          json_object('event', 'group_unsubscribe', 'email', email, 'timestamp', {_epoch("2026-11-01")},
                      'sg_event_id', 'seeded-unsub')
          from marts.nurture_batch where candidate_id = {ONE_BATCH_MEMBER}"""
            ],
            "is_suppressed",
        ),
        (
            [
                f"""insert into audit.erased_identifiers select 'email', {DEMO_KEYED_EMAIL}, 'demo',
          'hmac-sha256', 'REQ-seeded'
          from marts.nurture_batch where candidate_id = {ONE_BATCH_MEMBER}"""
            ],
            "is_erased",
        ),
        (
            [f"update marts.candidates set is_marketing_opt_in = false where candidate_id = {ONE_BATCH_MEMBER}"],
            "is_opted_in",
        ),
        ([f"update marts.candidates set is_hired = true where candidate_id = {ONE_BATCH_MEMBER}"], "is_hired"),
        (
            [
                f"""insert into outbox.send_ledger select candidate_id, campaign_id, step, 'b0', 'outbox', 'written', null,
          'r0', timestamp '2026-10-01', null, null, null from marts.nurture_batch where candidate_id = {ONE_BATCH_MEMBER}"""
            ],
            "is_already_sent_this_campaign",
        ),
        (
            [
                f"""insert into outbox.send_ledger select candidate_id, 'nurture-other-2026-11', '1', 'b0', 'outbox', 'written',
          null, 'r0', timestamp '2026-11-20', null, null, null from marts.nurture_batch where candidate_id = {ONE_BATCH_MEMBER}"""
            ],
            "is_within_frequency_cap",
        ),
        ([f"update marts.nurture_batch set email = null where candidate_id = {ONE_BATCH_MEMBER}"], "has_email"),
        (["insert into marts.nurture_batch select * from marts.nurture_batch limit 1"], "candidate_id"),
        (
            [
                statement
                for i in (1, 2, 3)
                for statement in (
                    f"insert into outbox.messages values ('h{i}', 'nurture-x-2026-0{i}', 'outbox', 10, '{{}}', null, "
                    f"'run{i}', timestamp '2026-0{i}-01')",
                    f"insert into outbox.send_runs values ('run{i}', 'nurture', 10, 10, timestamp '2026-0{i}-01')",
                )
            ],
            "ratio_to_recent_median",
        ),
    ],
    ids=[
        "bounced",
        "group-unsubscribed",
        "erased",
        "not-opted-in",
        "hired",
        "already-sent",
        "frequency-cap",
        "no-email",
        "duplicate",
        "batch-size-band",
    ],
)
def test_a_seeded_nurture_violation_stops_the_send_flow_and_nothing_is_sent(
    warehouse_copy, tmp_path, statements, column
):
    mutate(warehouse_copy, *statements)
    with connect(warehouse_copy, read_only=True) as con:
        ledger_before = con.execute("select count(*) from outbox.send_ledger").fetchone()[0]
    outbox = tmp_path / "outbox"
    state = send_nurture(str(warehouse_copy), str(outbox), AS_OF, return_state=True)
    assert state.is_failed()
    message = str(state.result(raise_on_failure=False))
    assert "nurture_batch" in message and column in message
    assert not outbox.exists() or not any(outbox.rglob("*.json"))
    with connect(warehouse_copy, read_only=True) as con:
        assert con.execute("select count(*) from outbox.send_ledger").fetchone()[0] == ledger_before


@pytest.mark.usefixtures("prefect_harness")
def test_the_send_flow_writes_the_gated_batch(warehouse_copy, tmp_path):
    with connect(warehouse_copy, read_only=True) as con:
        batch = con.execute("select count(*) from marts.nurture_batch").fetchone()[0]
    state = send_nurture(str(warehouse_copy), str(tmp_path / "outbox"), AS_OF, return_state=True)
    assert state.is_completed(), state.message
    assert state.result().messages == batch > 0


ONE_REJECTION = "(select min(step) from marts.rejection_mail_batch)"
NOT_OPTED_IN = "(select min(candidate_id) from marts.candidates where not is_marketing_opt_in and email is not null)"
NO_RELAY_CONSENT = "(select min(candidate_id) from marts.candidates where not has_relay_consent)"


def _seed_outbound_batches(warehouse):
    """The demo's small warehouse has few rejections in the window: one clean row in each batch."""
    mutate(
        warehouse,
        """
        insert into marts.rejection_mail_batch (candidate_id, email, display_name, campaign_id, step, application_key)
        select c.candidate_id, c.email, c.display_name, 'rejection', r.application_key, r.application_key
        from marts.rejections r join marts.candidates c using (candidate_id)
        where r.status = 'rejected' and c.is_marketing_opt_in and c.email is not null
          and c.email not in (select email from marts.email_suppressions)
          and r.application_key not in (select step from marts.rejection_mail_batch)
        limit 1""",
    )


@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.parametrize(
    "statements, suite, column",
    [
        (
            [
                f"""insert into marts.rejection_mail_batch (candidate_id, email, campaign_id, step, application_key)
          select c.candidate_id, c.email, 'rejection', r.application_key, r.application_key
          from marts.rejections r join marts.candidates c using (candidate_id)
          where c.candidate_id = {NOT_OPTED_IN} and r.status = 'rejected' limit 1"""
            ],
            "rejection_mail_batch",
            "is_opted_in",
        ),
        (
            [
                f"""insert into outbox.send_ledger select candidate_id, campaign_id, step, 'b0', 'outbox', 'written', null,
          'r0', timestamp '2026-10-01', null, null, null from marts.rejection_mail_batch where step = {ONE_REJECTION}"""
            ],
            "rejection_mail_batch",
            "is_already_sent",
        ),
        (
            [
                f"""insert into marts.relay_referral_batch (candidate_id, application_key, has_relay_consent, consent_reference)
          select c.candidate_id, r.application_key, true, c.relay_consent_record
          from marts.rejections r join marts.candidates c using (candidate_id)
          where c.candidate_id = {NO_RELAY_CONSENT} and r.status = 'rejected' limit 1"""
            ],
            "relay_referral_batch",
            "has_relay_consent",
        ),
        (
            [
                """insert into marts.relay_referral_batch (candidate_id, application_key, has_relay_consent, consent_reference)
         select c.candidate_id, r.application_key, true, 'agency_x:made-up'
         from marts.rejections r join marts.candidates c using (candidate_id)
         where c.has_relay_consent and r.status = 'rejected'
           and c.candidate_id not in (select candidate_id from marts.relay_referral_batch) limit 1"""
            ],
            "relay_referral_batch",
            "is_consent_reference_current",
        ),
    ],
    ids=[
        "rejection-not-opted-in",
        "rejection-already-sent",
        "referral-without-consent",
        "referral-consent-not-on-record",
    ],
)
def test_a_seeded_outbound_violation_stops_its_step_and_nothing_leaves(
    warehouse_copy, tmp_path, statements, suite, column
):
    _seed_outbound_batches(warehouse_copy)
    mutate(warehouse_copy, *statements)
    outbox = tmp_path / "outbox"
    state = send_rejections_and_referrals(str(warehouse_copy), str(outbox), AS_OF, return_state=True)
    assert state.is_failed()
    message = str(state.result(raise_on_failure=False))
    assert suite in message and column in message
    with connect(warehouse_copy, read_only=True) as con:
        assert con.execute("select count(*) from outbox.provision_log").fetchone()[0] == 0
    assert not (warehouse_copy.parent / "exports").exists()
    if suite == "rejection_mail_batch":
        assert not outbox.exists() or not any(outbox.rglob("*.json"))


@pytest.mark.usefixtures("prefect_harness")
def test_the_rejection_and_referral_flow_sends_the_gated_batches(warehouse_copy, tmp_path):
    _seed_outbound_batches(warehouse_copy)
    with connect(warehouse_copy, read_only=True) as con:
        mails, referrals = con.execute(
            "select (select count(*) from marts.rejection_mail_batch), "
            "(select count(*) from marts.relay_referral_batch)"
        ).fetchone()
    state = send_rejections_and_referrals(str(warehouse_copy), str(tmp_path / "outbox"), AS_OF, return_state=True)
    assert state.is_completed(), state.message
    result = state.result()
    assert result.rejections.messages == mails > 0 and result.referrals.provided == referrals
    bodies = [p for p in (tmp_path / "outbox" / "rejection").glob("*.json")]
    assert bodies and all("career_relay_url" in p.read_text() for p in bodies)


def _land_sendgrid_events(warehouse: Path, *events: dict) -> None:
    """SendGrid events as the Event Webhook landing writes them (raw, not yet built into any model)."""
    with connect(warehouse) as con:
        for n, event in enumerate(events):
            event_id = f"seeded-{event['event']}-{n}-{event['timestamp']}"
            con.execute(
                "insert into raw.sendgrid_events values ('L-seeded', 'sendgrid', 'seeded.json', ?, now(), ?, ?)",
                [n, event_id, json.dumps({**event, "sg_event_id": event_id})],
            )


def test_one_rule_decides_who_may_be_mailed_in_the_batch_mart_and_in_the_gate(warehouse_copy):
    """ "May be mailed" is one rule: a group resubscribe after a group unsubscribe blocks nobody, and a
    `dropped` event without a suppressing reason is no suppression, for the batch mart and the gate alike;
    a bounce landed after the last build blocks the send at once, and the failure names the candidate id
    and the rule, never the address."""
    with connect(warehouse_copy, read_only=True) as con:
        (resubscribed, resubscribed_email), (dropped, dropped_email), (bounced, bounced_email) = con.execute(
            "select candidate_id, email from marts.nurture_batch order by candidate_id limit 3"
        ).fetchall()
    _land_sendgrid_events(
        warehouse_copy,
        {
            "event": "group_unsubscribe",
            "email": resubscribed_email,
            "timestamp": _epoch("2026-10-01"),
            "asm_group_id": 1,
        },
        {
            "event": "group_resubscribe",
            "email": resubscribed_email,
            "timestamp": _epoch("2026-10-05"),
            "asm_group_id": 1,
        },
        {"event": "dropped", "email": dropped_email, "timestamp": _epoch("2026-10-01"), "reason": "Unknown reason"},
    )
    run_dbt(["build", "--select", "stg_sendgrid__events+", "--exclude", "test_type:unit"], warehouse_copy, AS_OF)
    with connect(warehouse_copy, read_only=True) as con:
        batch = {row[0] for row in con.execute("select candidate_id from marts.nurture_batch").fetchall()}
    assert {resubscribed, dropped} <= batch, "the mart must keep a resubscribed address and a bare drop"
    report, failures = blocking_failures(warehouse_copy, "nurture")
    assert failures == [], report.failure_message()

    # a bounce (SendGrid drops mail to a bounced address) lands after the build: no rebuild before the send
    _land_sendgrid_events(
        warehouse_copy,
        {"event": "dropped", "email": bounced_email, "timestamp": _epoch("2026-11-20"), "reason": "Bounced Address"},
    )
    report, failures = blocking_failures(warehouse_copy, "nurture")
    assert failures == [("nurture_batch", "is_suppressed")]
    message = report.failure_message()
    assert bounced in message and resubscribed not in message and dropped not in message
    assert "@" not in message and "True" not in message, message


@pytest.mark.parametrize(
    "view, kind",
    [
        ("nurture_batch_checks", "nurture"),
        ("rejection_mail_batch_checks", "rejection"),
        ("relay_referral_batch_checks", "referral"),
    ],
)
def test_every_rule_of_a_send_gate_view_has_its_expectation_and_back(built_warehouse, view, kind):
    """The rules come from dbt (macro mail_rules); the suites hold the value that lets a row go. A rule added
    to one and not the other fails here, not silently in production."""
    from expectations.suites import RULES

    with connect(built_warehouse[0], read_only=True) as con:
        columns = {
            name
            for name, kind_ in con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'marts' and table_name = ?",
                [view],
            ).fetchall()
            if kind_ == "BOOLEAN"
        }
    assert columns == set(RULES[kind])


def test_the_gates_show_what_they_saw_and_blocking_differs_from_warning(warehouse_copy, tmp_path):
    """The one test that builds the Data Docs (a file GX context): each expectation's text says BLOCKING or
    warning and the observed count is shown; the markdown artifact and the results carry both too."""
    mutate(warehouse_copy, rename_key("sendgrid_events", "email", "recipient"))
    report = run_gate(warehouse_copy, "raw", PARAMS, gx_root=tmp_path / "gx_project", context_mode="file")
    failed = {(o.suite, o.column): o for o in report.blocking_failures}
    missing = failed[("raw_sendgrid_events", "email")]
    assert missing.rule.startswith("BLOCKING:") and "missing in" in missing.observed
    passed = next(o for o in report.outcomes if o.suite == "raw_greenhouse_candidates" and o.column == "id")
    assert passed.success and passed.observed == "observed 0"
    volumes = [o for o in report.outcomes if o.suite == "raw_load_volumes"]
    assert volumes and all(o.severity == "warning" and o.rule.startswith("warning:") for o in volumes)

    docs = Path(report.data_docs)
    assert docs.name == "index.html"
    page = next((docs.parent / "validations" / "raw_sendgrid_events").rglob("*.html")).read_text()
    assert "BLOCKING: records of the new loads without the field email" in page
    markdown = report.markdown("raw")
    assert "| **FAILED** | BLOCKING | raw_sendgrid_events | email |" in markdown
    assert "| passed | warning | raw_load_volumes |" in markdown

    ephemeral = run_gate(warehouse_copy, "raw", PARAMS, context_mode="ephemeral")
    assert ephemeral.data_docs is None
    assert [(o.suite, o.column) for o in ephemeral.blocking_failures] == list(failed)


def _send_history(warehouse: Path, completed_nurture: tuple[int, ...]) -> None:
    """What a month of runs leaves, as the send flows record it: daily rejection runs of one or two mails,
    a nurture send that crashed after its first request (its messages, no completed run), and earlier
    completed nurture runs of the given batch sizes (their messages and their completed-run rows)."""
    statements = []
    for day in range(1, 8):  # send-rejections-and-referrals, daily at 09:30
        n = 1 + day % 2
        statements += [
            f"insert into outbox.messages values ('rej-{day}', 'rejection', 'outbox', {n}, '{{}}', null, "
            f"'rejection-run-{day}', timestamp '2026-11-{day + 10:02d} 09:30')",
            f"insert into outbox.send_runs values ('rejection-run-{day}', 'rejection', {n}, {n}, "
            f"timestamp '2026-11-{day + 10:02d} 09:31')",
        ]
    statements.append(  # killed after its first request of 10: no completed run
        "insert into outbox.messages values ('crashed-1', 'nurture-active-2026-11', 'outbox', 10, '{}', null, "
        "'crashed-nurture-run', timestamp '2026-11-17 10:00')"
    )
    for month, size in enumerate(completed_nurture, start=8):
        statements += [
            f"insert into outbox.messages values ('nurture-{month}', 'nurture-active-2026-{month:02d}', 'outbox', "
            f"{size}, '{{}}', null, 'nurture-run-{month}', timestamp '2026-{month:02d}-04 10:00')",
            f"insert into outbox.send_runs values ('nurture-run-{month}', 'nurture', {size}, {size}, "
            f"timestamp '2026-{month:02d}-04 10:01')",
        ]
    mutate(warehouse, *statements)


@pytest.mark.usefixtures("prefect_harness")
def test_the_batch_size_gate_compares_with_completed_nurture_runs_only(warehouse_copy, tmp_path, monkeypatch):
    """issue 15 case 7: rejection runs and a crashed partial send do not poison the nurture batch-size gate."""
    with connect(warehouse_copy, read_only=True) as con:
        batch = con.execute("select count(*) from marts.nurture_batch").fetchone()[0]
    _send_history(warehouse_copy, (batch - 5, batch + 4, batch + 10))
    size = next(o for o in run_gate(warehouse_copy, "nurture", PARAMS).outcomes if o.suite == "nurture_batch_size")
    assert size.success, size.observed

    # a send killed part-way records no completed run; the retry that gets through the batch records one
    def killed(*args, **kwargs):
        raise RuntimeError("killed mid-send")

    with monkeypatch.context() as patched:
        patched.setattr("outbound.outbox._write_batch", killed)
        crashed = send_nurture(str(warehouse_copy), str(tmp_path / "outbox"), AS_OF, return_state=True)
    assert crashed.is_failed()
    with connect(warehouse_copy, read_only=True) as con:
        assert con.execute("select count(*) from outbox.send_runs where kind = 'nurture'").fetchone()[0] == 3
    state = send_nurture(str(warehouse_copy), str(tmp_path / "outbox"), AS_OF, return_state=True)
    assert state.is_completed(), state.message
    assert state.result().messages == batch > 0
    with connect(warehouse_copy, read_only=True) as con:
        recorded = con.execute(
            "select batch_size, recipients from outbox.send_runs where kind = 'nurture' order by completed_at desc"
        ).fetchall()
    assert len(recorded) == 4 and recorded[0] == (batch, batch)


def test_a_batch_far_larger_than_recent_completed_nurture_batches_still_fails_naming_the_numbers(warehouse_copy):
    with connect(warehouse_copy, read_only=True) as con:
        batch = con.execute("select count(*) from marts.nurture_batch").fetchone()[0]
    small = max(1, batch // 10)
    _send_history(warehouse_copy, (small, small + 1, small + 2))
    report, failed = blocking_failures(warehouse_copy, "nurture")
    assert failed == [("nurture_batch_size", "ratio_to_recent_median")]
    observed = report.blocking_failures[0].observed
    assert str(batch) in observed and str(small + 1) in observed, observed
