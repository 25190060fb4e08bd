"""The demo closes the Career Relay loop: the operator's registration report names tokens of rejection mails of
the demo's history, those mails are recorded as sent (send ledger and issued links), so the warehouse counts
the registrations as ours, earns free slots (1 per 10) and Career Relay's referrals to us enter as candidates."""

from __future__ import annotations

import csv
from datetime import date, timedelta

from connectors.demo.generator import DATA_END
from connectors.demo.relay import HISTORY_BATCH, MIN_REGISTRATIONS, REFERRALS_TO_US, record_earlier_rejection_mails
from crm.dbt_runner import run_dbt
from crm.warehouse import connect
from outbound.relay_links import tracking_token

AS_OF = date(2026, 11, 25)


def test_the_registration_report_names_tokens_as_our_rejection_mails_issue_them(demo_landing):
    with open(demo_landing / "career_relay" / "registrations" / "registrations.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= MIN_REGISTRATIONS
    assert {row["company_id"] for row in rows} == {"demo-company"}
    assert len({row["tracking_token"] for row in rows}) == len(rows)
    # the token of a Greenhouse rejection, as outbound/relay_links.py computes it (24 base32 characters)
    assert all(len(row["tracking_token"]) == 24 for row in rows)
    with open(demo_landing / "career_relay" / "referrals" / "referrals.csv", encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == REFERRALS_TO_US


def test_the_demo_warehouse_earns_free_slots_and_relay_referrals_become_candidates(warehouse_copy):
    with connect(warehouse_copy, read_only=True) as con:
        before = con.execute(
            "select coalesce(max(slots_earned_to_date), 0) from marts.relay_credits where company_id = 'demo-company'"
        ).fetchone()[0]
    assert before == 0  # without the history's rejection mails no registration is ours

    recorded = record_earlier_rejection_mails(warehouse_copy, DATA_END)
    assert recorded > MIN_REGISTRATIONS
    assert record_earlier_rejection_mails(warehouse_copy, DATA_END) == 0  # once per warehouse
    run_dbt(["build", "--select", "relay_credits+", "stg_outbox__sends+"], warehouse_copy, AS_OF)

    with connect(warehouse_copy, read_only=True) as con:
        referrals, slots, used, unmatched = con.execute(
            """select max(referrals_to_date), max(slots_earned_to_date), max(slots_used_to_date),
                      max(unmatched_referrals_to_date)
               from marts.relay_credits where company_id = 'demo-company'"""
        ).fetchone()
        registrations = con.execute("select count(*) from staging.stg_career_relay__registrations").fetchone()[0]
        # every registration the operator reports is one of our tokens: the reconciliation agrees
        assert unmatched == 0 and referrals == registrations >= MIN_REGISTRATIONS
        assert slots == referrals // 10 >= 1
        assert used >= 1  # Career Relay introduced people to us: each used a slot
        relay_candidates = con.execute(
            "select count(distinct candidate_id) from marts.candidate_crosswalk where source = 'career_relay'"
        ).fetchone()[0]
        assert relay_candidates == REFERRALS_TO_US
        # the history's mails are in the ledger like any rejection mail, dated with their rejection
        ledger = con.execute(
            "select count(*), max(recorded_at) from outbox.send_ledger where batch_id = ? and kind = 'rejection'",
            [HISTORY_BATCH],
        ).fetchone()
        assert ledger[0] == recorded and ledger[1].date() <= DATA_END + timedelta(days=1)
        token = con.execute(
            "select tracking_token, application_key from outbox.relay_links where batch_id = ? limit 1", [HISTORY_BATCH]
        ).fetchone()
        assert token[0] == tracking_token("demo-token-secret", "demo-company", token[1])
        # the KPI mart carries the slots the report shows
        assert (
            con.execute("select max(value) from marts.kpi_monthly where kpi = 'relay_free_slots'").fetchone()[0]
            == slots
        )


def test_the_demo_computes_tokens_exactly_as_our_rejection_mails_do():
    from connectors.demo.relay import demo_tracking_token

    for key in ("greenhouse:90000001", "greenhouse:90001234", "indeed:abc"):
        assert demo_tracking_token("s3cret", "acme", key) == tracking_token("s3cret", "acme", key)
    assert demo_tracking_token("s3cret", "acme", "greenhouse:1") != demo_tracking_token("other", "acme", "greenhouse:1")
