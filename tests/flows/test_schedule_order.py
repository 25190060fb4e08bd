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
    # stopped by the erasure rule itself, in each gate, naming the person (no other rule stops them)
    for state, suite, candidate_id in (
        (nurture, "nurture_batch", nurtured),
        (outbound, "rejection_mail_batch", referred),
    ):
        assert state.is_failed()
        message = str(state.result(raise_on_failure=False))
        assert f"suite {suite}" in message and "is_erased" in message and candidate_id in message
    referral_gate = run_gate(warehouse_copy, "referrals", {"as_of": AS_OF.isoformat()}, context_mode="ephemeral")
    stopped = [o for o in referral_gate.blocking_failures if o.column == "is_erased"]
    assert stopped and referred in stopped[0].observed
