"""The deployed flows in the order their schedules run them (ingest-sources at :05, sync-engagement-events
at :35, send-nurture on Tuesday at 10:00), with the events arriving where a real webhook receiver drops them:
a person who unsubscribed is never mailed, whichever flow landed the unsubscribe."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest

from crm.gates import run_gate
from crm.warehouse import connect
from flows.build import build_warehouse
from flows.engagement import sync_engagement_events
from flows.erase import erase
from flows.ingest import ingest_sources
from flows.send import send_nurture, send_rejections_and_referrals

AS_OF = date(2026, 11, 25)
pytestmark = pytest.mark.usefixtures("prefect_harness")


def _drop_unsubscribe(landing, email: str) -> None:
    folder = landing / "engagement" / "sendgrid"
    folder.mkdir(parents=True, exist_ok=True)
    event = {
        "email": email,
        "timestamp": int(time.time()),
        "event": "unsubscribe",
        "sg_event_id": "unsub-1",
        "sg_message_id": "m1.filter0001.1.0",
    }
    (folder / "webhook_unsubscribe.json").write_text(json.dumps([event]))


def test_an_unsubscribe_landed_by_the_hourly_ingest_is_honoured_by_the_next_send(warehouse_copy, tmp_path):
    with connect(warehouse_copy, read_only=True) as con:
        candidate_id, email = con.execute(
            "select candidate_id, email from marts.nurture_batch order by candidate_id limit 1"
        ).fetchone()
        batch = con.execute("select count(*) from marts.nurture_batch").fetchone()[0]
    landing = tmp_path / "landing"
    _drop_unsubscribe(landing, email)

    ingest = ingest_sources(str(landing), str(warehouse_copy))  # :05 lands the event file, builds nothing
    assert ingest.records_landed == 1
    engagement = sync_engagement_events(str(landing), str(warehouse_copy), AS_OF, return_state=True)  # :35
    assert engagement.is_completed(), engagement.message
    sent = send_nurture(str(warehouse_copy), str(tmp_path / "outbox"), AS_OF, "outbox", return_state=True)
    assert sent.is_completed(), sent.message

    written = {
        p["custom_args"]["candidate_id"]
        for path in (tmp_path / "outbox").rglob("*.json")
        for p in json.loads(path.read_text())["personalizations"]
    }
    assert candidate_id not in written
    assert len(written) == batch - 1  # everyone else got this month's mail


def _outbox_recipients(outbox) -> set[str]:
    return {
        p["custom_args"]["candidate_id"]
        for path in outbox.rglob("*.json")
        for p in json.loads(path.read_text())["personalizations"]
    }


def test_an_erased_person_is_never_mailed_or_referred_before_the_next_rebuild(warehouse_copy, tmp_path):
    """issue 15 case 4: build (the session warehouse) -> erase-candidate -> send-nurture ->
    send-rejections-and-referrals, with no rebuild in between: nothing goes to either erased person."""
    with connect(warehouse_copy, read_only=True) as con:
        nurtured = con.execute("""
            select candidate_id from marts.nurture_batch
            where candidate_id not in (select candidate_id from marts.rejection_mail_batch)
            order by candidate_id limit 1""").fetchone()[0]
        referred = con.execute("select min(candidate_id) from marts.relay_referral_batch").fetchone()[0]
    assert referred is not None, "the demo should have one Career Relay referral in the window"

    for candidate_id, reference in ((nurtured, "REQ-N"), (referred, "REQ-R")):
        erased = erase(candidate_id=candidate_id, reference=reference, warehouse=str(warehouse_copy), return_state=True)
        assert erased.is_completed(), erased.message

    outbox = tmp_path / "outbox"
    nurture = send_nurture(str(warehouse_copy), str(outbox), AS_OF, "outbox", return_state=True)
    outbound = send_rejections_and_referrals(str(warehouse_copy), str(outbox), AS_OF, "outbox", return_state=True)

    with connect(warehouse_copy, read_only=True) as con:
        ledger = {c for (c,) in con.execute("select candidate_id from outbox.send_ledger").fetchall()}
        provided = {c for (c,) in con.execute("select candidate_id from outbox.provision_log").fetchall()}
    assert {nurtured, referred}.isdisjoint(_outbox_recipients(outbox) | ledger | provided)
    assert not (warehouse_copy.parent / "exports").exists() or not any((warehouse_copy.parent / "exports").rglob("*"))
    # the erasure took them out of the built batches at once (crm/erasure.py deletes their rows from the dbt
    # tables), so the sends went on for everyone else; a row that still named them would be stopped by the
    # gates' is_erased rule, which reads the erasure list itself (tests/crm/test_gates.py seeds one)
    assert nurture.is_completed() and outbound.is_completed()
    with connect(warehouse_copy, read_only=True) as con:
        left = con.execute(
            "select count(*) from (select candidate_id from marts.nurture_batch union all "
            "select candidate_id from marts.rejection_mail_batch union all "
            "select candidate_id from marts.relay_referral_batch) where candidate_id in (?, ?)",
            [nurtured, referred],
        ).fetchone()[0]
    assert left == 0
    referral_gate = run_gate(warehouse_copy, "referrals", {"as_of": AS_OF.isoformat()}, context_mode="ephemeral")
    assert not referral_gate.blocking_failures, referral_gate.failure_message()


def _agency_withdrawal(landing, person: dict, referred: date) -> None:
    """A later agency file (doda headers) whose row for the person says 不同意 to both, 推薦日 before the
    Greenhouse record's business date."""
    folder = landing / "agencies" / "withdrawal_test"
    folder.mkdir(parents=True, exist_ok=True)
    header = (
        "管理番号,姓漢字,名漢字,姓カナ,名カナ,生年月日,メールアドレス,電話番号1,推薦日,メール配信同意,第三者提供同意"
    )
    row = ",".join(
        [
            "W-0001",
            person["family_name"],
            person["given_name"],
            person["family_name_kana"] or "",
            person["given_name_kana"] or "",
            str(person["birth_date"] or ""),
            person["email"],
            person["phone"] or "",
            referred.isoformat(),
            "不同意",
            "不同意",
        ]
    )
    (folder / "referrals_2026-11.csv").write_text(f"{header}\n{row}\n", encoding="utf-8")


def test_a_withdrawal_received_last_beats_an_older_yes_with_a_later_business_date(warehouse_copy, tmp_path):
    """issue 15 case 3, in schedule order: the Greenhouse record (consent yes to mail and to Career Relay, a
    later business date) landed and was built first (the session warehouse); a later agency file whose row
    says 不同意 (an earlier 推薦日) lands through ingest-sources, build-warehouse rebuilds, then
    send-rejections-and-referrals: the person gets neither the rejection mail nor the referral."""
    with connect(warehouse_copy, read_only=True) as con:
        candidate_id = con.execute("select min(candidate_id) from marts.relay_referral_batch").fetchone()[0]
        assert candidate_id in {
            c for (c,) in con.execute("select candidate_id from marts.rejection_mail_batch").fetchall()
        }
        columns = ["family_name", "given_name", "family_name_kana", "given_name_kana", "birth_date", "email", "phone"]
        person = dict(
            zip(
                columns,
                con.execute(
                    f"select {', '.join(columns)} from marts.candidates where candidate_id = ?", [candidate_id]
                ).fetchone(),
            )
        )
        first_seen = con.execute(
            "select min(record_date) from intermediate.int_candidate_records_unioned u "
            "join marts.candidate_crosswalk x using (record_key) where x.candidate_id = ?",
            [candidate_id],
        ).fetchone()[0]
        others = con.execute(
            "select count(*) from marts.rejection_mail_batch where candidate_id <> ?", [candidate_id]
        ).fetchone()[0]
    assert others >= 1, "the demo should have another rejection to mail (the control)"
    landing = tmp_path / "landing"
    _agency_withdrawal(landing, person, first_seen.replace(day=1) if first_seen.day > 1 else first_seen)

    ingest = ingest_sources(str(landing), str(warehouse_copy))  # :05 lands the agency file
    assert ingest.records_landed == 1
    built = build_warehouse(str(warehouse_copy), AS_OF, return_state=True)  # 02:00 nightly
    assert built.is_completed(), built.message
    with connect(warehouse_copy, read_only=True) as con:
        crosswalk = con.execute(
            "select candidate_id from marts.candidate_crosswalk where source = 'agency_withdrawal_test'"
        ).fetchall()
        consent = con.execute(
            "select is_marketing_opt_in, has_relay_consent, marketing_consent_source, relay_consent_source "
            "from marts.candidates where candidate_id = ?",
            [candidate_id],
        ).fetchone()
    assert crosswalk == [(candidate_id,)], "the agency row is the same person"
    assert consent == (False, False, "agency_withdrawal_test", "agency_withdrawal_test")

    outbox = tmp_path / "outbox"
    sent = send_rejections_and_referrals(str(warehouse_copy), str(outbox), AS_OF, "outbox", return_state=True)
    assert sent.is_completed(), sent.message  # 09:30 daily
    with connect(warehouse_copy, read_only=True) as con:
        ledger = {c for (c,) in con.execute("select candidate_id from outbox.send_ledger").fetchall()}
        provided = {c for (c,) in con.execute("select candidate_id from outbox.provision_log").fetchall()}
    mailed = _outbox_recipients(outbox)
    assert candidate_id not in mailed | ledger | provided
    assert len(mailed) >= 1  # the control: everyone else's rejection went out
