"""Sending nurture mail through the real `sendgrid` SDK to the local test server: every message exactly
once through random failures, a crash and a rerun; a refused personalization isolated; an unanswered
request left in doubt rather than sent twice."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from connectors.common.http import Backoff
from connectors.sinks.sendgrid.client import SendGridKeyMissing, SendGridKeyRefused
from connectors.sinks.sendgrid.settings import SendGridSettings
from connectors.sources import RAW_TABLES
from crm.warehouse import connect, ensure_schema
from outbound.sendgrid_sends import send_nurture_sendgrid
from tests.servers.sendgrid_server import API_KEY, FailurePlan, MailSendServer

AS_OF = date(2026, 11, 25)


def _warehouse(tmp_path, people: int, bad_emails: tuple[int, ...] = ()) -> str:
    warehouse = tmp_path / "warehouse.duckdb"
    with connect(warehouse) as con:
        ensure_schema(con, RAW_TABLES)
        con.execute("create schema if not exists marts")
        con.execute(
            """
            create table marts.nurture_audience as
            select 'C' || lpad(cast(i as varchar), 6, '0') as candidate_id,
                   case when i % 2 = 0 then 'engineering' else 'sales' end as segment
            from range(?) t(i)""",
            [people],
        )
        con.execute(f"""
            create table marts.nurture_batch as
            select candidate_id,
                   case when cast(substr(candidate_id, 2) as integer) in ({",".join(map(str, bad_emails)) or "-1"})
                        then 'not-an-address' else 'person' || substr(candidate_id, 2) || '@example.jp' end as email,
                   '候補者' as display_name, segment, 'nurture-2026-11-' || segment as campaign_id, '1' as step
            from marts.nurture_audience""")
    return str(warehouse)


def _settings(server: MailSendServer, **overrides) -> SendGridSettings:
    values = dict(
        api_key=API_KEY,
        api_url=server.host,
        timeout_s=5.0,
        sandbox=False,
        backoff=Backoff(base_s=0.001, cap_s=0.01),
        rate_limit_wait_max_s=0.01,
        in_doubt_release_hours=24,
    )
    values.update(overrides)
    return SendGridSettings(**values)


def _ledger(warehouse: str) -> Counter:
    with connect(warehouse, read_only=True) as con:
        return Counter(dict(con.execute("select status, count(*) from outbox.send_ledger group by all").fetchall()))


def _land_events(warehouse, landing) -> None:
    from connectors.common.landing import land_stream
    from connectors.sources import all_streams

    with connect(warehouse) as con:
        land_stream(con, next(s for s in all_streams(landing) if s.name == "sendgrid_events"))


def test_25000_recipients_through_random_failures_each_arrive_exactly_once(tmp_path):
    """429s, 500s and slow answers are retried within the run. A connection cut after the request went out
    leaves its batch in doubt (SendGrid may have it); the Event Webhook's events settle it in the next run:
    those SendGrid took become accepted, the others are released and sent. Each person gets one mail."""
    warehouse = _warehouse(tmp_path, 25_000)
    landing = tmp_path / "landing"
    plan = FailurePlan(
        random_rate=0.35,
        random_kinds=("429", "500", "drop", "accept-drop", "slow"),
        slow_seconds=0.05,
        retry_after_seconds=0,
        seed=3,
    )
    with MailSendServer(plan, events_dir=landing / "engagement" / "sendgrid") as server:
        first = send_nurture_sendgrid(warehouse, AS_OF, run_id="r1", sendgrid=_settings(server), sleep=lambda s: None)
        assert first.in_doubt > 0 and first.messages + first.in_doubt == 25_000
        _land_events(warehouse, landing)
        second = send_nurture_sendgrid(
            warehouse, AS_OF, run_id="r2", sendgrid=_settings(server, in_doubt_release_hours=0), sleep=lambda s: None
        )
    received = Counter(d.email for d in server.delivered)
    assert len(received) == 25_000 and set(received.values()) == {1}
    assert second.settled_accepted + second.released == first.in_doubt and second.settled_accepted > 0
    assert second.messages == second.released and second.in_doubt == 0
    assert _ledger(warehouse) == Counter({"accepted": 25_000})
    # the events map back: every delivered message carries its candidate, campaign and batch
    assert all({"candidate_id", "campaign_id", "batch_id", "step"} <= set(d.custom_args) for d in server.delivered)


def test_a_run_that_dies_half_way_and_is_run_again_sends_the_rest_once(tmp_path):
    warehouse = _warehouse(tmp_path, 5_000)

    class Killed(BaseException):
        pass

    def die_after_two(summary):
        if summary.batches == 2:
            raise Killed()

    with MailSendServer(FailurePlan(random_rate=0.2, random_kinds=("500", "429"), seed=5)) as server:
        with pytest.raises(Killed):
            send_nurture_sendgrid(
                warehouse, AS_OF, sendgrid=_settings(server), sleep=lambda s: None, after_batch=die_after_two
            )
        assert len(server.delivered) == 2_000
        second = send_nurture_sendgrid(warehouse, AS_OF, sendgrid=_settings(server), sleep=lambda s: None)
        third = send_nurture_sendgrid(warehouse, AS_OF, sendgrid=_settings(server), sleep=lambda s: None)
    received = Counter(d.email for d in server.delivered)
    assert len(received) == 5_000 and set(received.values()) == {1}
    assert second.messages == 3_000 and third.messages == 0


def test_a_refused_personalization_is_isolated_and_the_rest_is_sent(tmp_path):
    warehouse = _warehouse(tmp_path, 40, bad_emails=(7,))
    with MailSendServer() as server:
        summary = send_nurture_sendgrid(warehouse, AS_OF, sendgrid=_settings(server), sleep=lambda s: None)
    assert len(server.delivered) == 39
    assert [r["candidate_id"] for r in summary.refused] == ["C000007"]
    assert "email" in summary.refused[0]["reason"] and "not-an-address" not in summary.refused[0]["reason"]
    assert _ledger(warehouse) == Counter({"accepted": 39, "refused": 1})


def test_an_unanswered_request_stays_in_doubt_and_is_never_sent_twice(tmp_path):
    warehouse = _warehouse(tmp_path, 10)
    plan = FailurePlan(script=["slow", "slow"], slow_seconds=1.0)
    with MailSendServer(plan) as server:
        first = send_nurture_sendgrid(warehouse, AS_OF, sendgrid=_settings(server, timeout_s=0.3), sleep=lambda s: None)
        import time

        time.sleep(1.2)  # the server finishes the slow requests after the client gave up
        second = send_nurture_sendgrid(warehouse, AS_OF, sendgrid=_settings(server), sleep=lambda s: None)
    assert first.in_doubt == 10 and first.messages == 0
    assert second.messages == 0 and second.in_doubt == 10
    assert Counter(d.email for d in server.delivered).most_common(1)[0][1] == 1
    assert _ledger(warehouse) == Counter({"sending": 10})


def test_a_missing_or_refused_key_is_one_clear_message_and_nothing_is_left_pending(tmp_path):
    warehouse = _warehouse(tmp_path, 10)
    with MailSendServer() as server:
        with pytest.raises(SendGridKeyMissing, match="SENDGRID_API_KEY"):
            send_nurture_sendgrid(warehouse, AS_OF, sendgrid=_settings(server, api_key=None))
        with pytest.raises(SendGridKeyRefused, match="refused the API key"):
            send_nurture_sendgrid(warehouse, AS_OF, sendgrid=_settings(server, api_key="SG.wrong"))
    assert server.delivered == [] and _ledger(warehouse) == Counter()


@pytest.mark.usefixtures("prefect_harness")
def test_the_key_can_come_from_a_prefect_secret_block(tmp_path, monkeypatch):
    from prefect.blocks.system import Secret

    monkeypatch.delenv("SENDGRID_API_KEY", raising=False)
    Secret(value=API_KEY).save("sendgrid-api-key", overwrite=True)
    warehouse = _warehouse(tmp_path, 5)
    try:
        with MailSendServer() as server:
            summary = send_nurture_sendgrid(
                warehouse, AS_OF, sendgrid=_settings(server, api_key=None), sleep=lambda s: None
            )
        assert summary.messages == 5 and len(server.delivered) == 5
    finally:
        Secret(value="").save("sendgrid-api-key", overwrite=True)


def test_in_doubt_sends_are_settled_from_the_event_webhook_and_the_rest_sent_once(tmp_path):
    """Ten requests timed out after SendGrid accepted them (their `processed` events land), and three
    recipients were left 'sending' 50 minutes ago by a run that died before its request left (no event):
    with a release window of half an hour, and the webhook's events showing it was delivering then and
    since, the next run marks the ten accepted, releases the three and sends them, each exactly once."""
    from datetime import datetime, timedelta

    warehouse = _warehouse(tmp_path, 13)
    landing = tmp_path / "landing"
    with connect(warehouse) as con:
        con.execute(
            "insert into outbox.send_ledger select candidate_id, campaign_id, step, 'crashed', 'sendgrid', "
            "'sending', null, 'r0', ?, null, null, null from marts.nurture_batch where candidate_id >= 'C000010'",
            [datetime.utcnow() - timedelta(minutes=50)],
        )
    plan = FailurePlan(script=["slow", "slow"], slow_seconds=1.0)
    with MailSendServer(plan, events_dir=landing / "engagement" / "sendgrid") as server:
        first = send_nurture_sendgrid(warehouse, AS_OF, sendgrid=_settings(server, timeout_s=0.3), sleep=lambda s: None)
        import time

        time.sleep(1.2)  # the server accepts the slow requests after the client gave up, and posts their events
        _land_events(warehouse, landing)
        second = send_nurture_sendgrid(
            warehouse, AS_OF, sendgrid=_settings(server, in_doubt_release_hours=0.5), sleep=lambda s: None
        )
    assert first.in_doubt == 13 and first.messages == 0 and first.released == 0
    assert (second.settled_accepted, second.released, second.messages, second.in_doubt) == (10, 3, 3, 0)
    received = Counter(d.email for d in server.delivered)
    assert len(received) == 13 and set(received.values()) == {1}
    assert _ledger(warehouse) == Counter({"accepted": 13})


def test_an_answer_lost_after_sendgrid_accepted_is_never_sent_again(tmp_path):
    """SendGrid takes the request and the connection drops before its 202 arrives. With no Event Webhook
    connected, no run ever sends those people again, however long ago it was; when the webhook's events do
    land, they settle the batch as accepted."""
    warehouse = _warehouse(tmp_path, 10)
    landing = tmp_path / "landing"
    events = landing / "engagement" / "sendgrid"
    with MailSendServer(FailurePlan(script=["accept-drop"]), events_dir=events) as server:
        first = send_nurture_sendgrid(warehouse, AS_OF, sendgrid=_settings(server), sleep=lambda s: None)
        again = send_nurture_sendgrid(
            warehouse, AS_OF, sendgrid=_settings(server, in_doubt_release_hours=0), sleep=lambda s: None
        )
        # two segments, two requests: the first was taken and its answer lost, the second answered
        assert (first.messages, first.in_doubt, server.requests) == (5, 5, 2)  # never retried in the run
        assert (again.messages, again.released, again.in_doubt) == (0, 0, 5)  # no evidence: stays in doubt
        _land_events(warehouse, landing)
        settled = send_nurture_sendgrid(warehouse, AS_OF, sendgrid=_settings(server), sleep=lambda s: None)
    assert (settled.settled_accepted, settled.messages, settled.in_doubt) == (5, 0, 0)
    assert len(server.delivered) == 10 and _ledger(warehouse) == Counter({"accepted": 10})


@pytest.mark.usefixtures("prefect_harness")
def test_without_a_webhook_only_an_operator_releases_an_in_doubt_batch(tmp_path, capsys):
    """A connection cut before SendGrid took the request: without events nothing proves that, so the batch
    waits for a person. `python -m flows.in_doubt` lists it; releasing it needs what was checked, is kept in
    the audit trail, and the next run sends those people once."""
    from flows.in_doubt import main as in_doubt_cli

    warehouse = _warehouse(tmp_path, 10)
    with MailSendServer(FailurePlan(script=["drop"])) as server:
        first = send_nurture_sendgrid(warehouse, AS_OF, sendgrid=_settings(server), sleep=lambda s: None)
        assert first.in_doubt == 5 and len(server.delivered) == 5  # the second segment's request went through
        assert in_doubt_cli(["--warehouse", warehouse]) == 0
        listed = capsys.readouterr().out
        with connect(warehouse, read_only=True) as con:
            (batch,) = con.execute(
                "select batch_id from outbox.send_ledger where status = 'sending' limit 1"
            ).fetchone()
        assert batch in listed and "5 recipient(s)" in listed
        assert in_doubt_cli(["--warehouse", warehouse, "--release", batch]) == 1  # no --checked: refused
        assert in_doubt_cli(["--warehouse", warehouse, "--release", batch, "--checked", "Activity: none"]) == 0
        second = send_nurture_sendgrid(warehouse, AS_OF, sendgrid=_settings(server), sleep=lambda s: None)
    assert (
        second.messages == 5
        and len(server.delivered) == 10
        and set(Counter(d.email for d in server.delivered).values()) == {1}
    )
    with connect(warehouse, read_only=True) as con:
        audit = con.execute("select batch_id, recipients, checked from audit.in_doubt_releases").fetchall()
    assert audit == [(batch, 5, "Activity: none")]
