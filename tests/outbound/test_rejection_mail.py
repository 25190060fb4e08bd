"""Rejection mail through the real SDK to the local SendGrid server: each carries its own Career Relay
link, exactly once through failures; and the frequency cap holds across campaigns."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from hypothesis import given
from hypothesis import strategies as st

from connectors.common.http import Backoff
from connectors.sinks.career_relay.settings import CareerRelaySettings
from connectors.sinks.sendgrid.settings import SendGridSettings
from connectors.sources import RAW_TABLES
from crm.warehouse import connect, ensure_schema
from outbound.campaigns import NURTURE, REJECTION, _requests
from outbound.outbox import write_outbox
from outbound.relay_links import tracking_token
from outbound.sendgrid_sends import send_sendgrid
from tests.servers.sendgrid_server import API_KEY, FailurePlan, MailSendServer

AS_OF = date(2026, 11, 25)


def _warehouse(tmp_path, rejections: int) -> str:
    warehouse = tmp_path / "warehouse.duckdb"
    with connect(warehouse) as con:
        ensure_schema(con, RAW_TABLES)
        con.execute("create schema if not exists marts")
        con.execute(f"""
            create table marts.rejection_mail_batch as
            select 'C' || lpad(cast(i // 2 as varchar), 6, '0') as candidate_id,
                   'person' || (i // 2) || '@example.jp' as email, '候補者' as display_name,
                   'rejection' as campaign_id, 'greenhouse:' || i as step, 'バックエンドエンジニア' as job_title
            from range({rejections}) t(i)""")
    return str(warehouse)


def test_every_rejection_mail_carries_its_own_career_relay_link_exactly_once(tmp_path):
    warehouse = _warehouse(tmp_path, 2_400)  # 1,200 people, two rejections each
    plan = FailurePlan(random_rate=0.3, random_kinds=("429", "500", "drop"), retry_after_seconds=0, seed=4)
    settings = SendGridSettings(
        api_key=API_KEY,
        api_url="",
        timeout_s=5.0,
        sandbox=False,
        backoff=Backoff(base_s=0.001, cap_s=0.01),
        rate_limit_wait_max_s=0.01,
    )
    relay = CareerRelaySettings()
    with MailSendServer(plan) as server:
        settings = SendGridSettings(**{**settings.__dict__, "api_url": server.host})
        first = send_sendgrid(warehouse, AS_OF, REJECTION, sendgrid=settings, sleep=lambda s: None)
        second = send_sendgrid(warehouse, AS_OF, REJECTION, sendgrid=settings, sleep=lambda s: None)
    assert first.messages == 2_400 and second.messages == 0
    steps = Counter(d.custom_args["step"] for d in server.delivered)
    assert len(steps) == 2_400 and set(steps.values()) == {1}
    with connect(warehouse, read_only=True) as con:
        links = {
            token: (candidate, application)
            for token, candidate, application in con.execute(
                "select tracking_token, candidate_id, application_key from outbox.relay_links"
            ).fetchall()
        }
    for delivered in server.delivered:
        token = delivered.custom_args["relay_token"]
        assert delivered.template_data["career_relay_url"] == f"{relay.link_base}{token}?company={relay.company_id}"
        assert token == tracking_token(relay.token_secret, relay.company_id, delivered.custom_args["step"])
        assert links[token] == (delivered.custom_args["candidate_id"], delivered.custom_args["step"])
        assert delivered.template_id == "d-00000000000000000000000000000002" and "rejection" in delivered.categories
    assert len({d.custom_args["relay_token"] for d in server.delivered}) == 2_400


def test_the_frequency_cap_holds_across_campaigns(tmp_path):
    """A person mailed by one campaign (nurture or rejection) within 14 days gets no other nurture mail."""
    warehouse = tmp_path / "warehouse.duckdb"
    with connect(warehouse) as con:
        ensure_schema(con, RAW_TABLES)
        con.execute("create schema if not exists marts")
        con.execute("""create table marts.nurture_batch as
            select 'C' || i as candidate_id, 'p' || i || '@example.jp' as email, 'n' as display_name,
                   'engineering' as segment, 'nurture-engineering-2026-11' as campaign_id, '1' as step
            from range(100) t(i)""")
        con.execute("create table marts.nurture_audience as select candidate_id, segment from marts.nurture_batch")
    first = write_outbox(warehouse, tmp_path / "outbox", AS_OF, NURTURE)
    assert first.messages == 100
    with connect(warehouse) as con:
        # a second campaign for the same people and 50 more; 10 of the new ones had a rejection mail last week
        con.execute("""create or replace table marts.nurture_batch as
            select 'C' || i as candidate_id, 'p' || i || '@example.jp' as email, 'n' as display_name,
                   'sales' as segment, 'nurture-sales-2026-11' as campaign_id, '1' as step
            from range(150) t(i)""")
        con.execute(
            "create or replace table marts.nurture_audience as select candidate_id, segment from marts.nurture_batch"
        )
        con.execute(
            "insert into outbox.send_ledger select 'C' || i, 'rejection', 'greenhouse:' || i, 'b', 'outbox', "
            "'written', null, 'r', ?, null, null, null from range(100, 110) t(i)",
            [datetime(2026, 11, 20)],
        )
    second = write_outbox(warehouse, tmp_path / "outbox", AS_OF, NURTURE)
    assert second.messages == 40 and second.capped == 110
    with connect(warehouse, read_only=True) as con:
        per_person = con.execute(
            "select max(n) from (select candidate_id, count(*) n from outbox.send_ledger group by 1)"
        ).fetchone()[0]
    assert per_person == 1


@given(
    emails=st.lists(st.sampled_from([f"p{i}@example.jp" for i in range(8)]), max_size=60),
    size=st.integers(min_value=1, max_value=7),
)
def test_requests_keep_everyone_once_and_never_name_an_address_twice(emails, size):
    people = [{"candidate_id": str(i), "email": email} for i, email in enumerate(emails)]
    chunks = _requests(people, size)
    assert sorted(p["candidate_id"] for chunk in chunks for p in chunk) == sorted(p["candidate_id"] for p in people)
    for chunk in chunks:
        assert 0 < len(chunk) <= size
        assert len({p["email"] for p in chunk}) == len(chunk)
