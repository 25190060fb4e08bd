"""The deployed flows in the order their schedules run them (ingest-sources at :05, sync-engagement-events
at :35, send-nurture on Tuesday at 10:00), with the events arriving where a real webhook receiver drops them:
a person who unsubscribed is never mailed, whichever flow landed the unsubscribe."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest

from crm.warehouse import connect
from flows.engagement import sync_engagement_events
from flows.ingest import ingest_sources
from flows.send import send_nurture

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
