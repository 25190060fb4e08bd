"""Career Relay referrals: pushed through the API exactly once through failures, crashes and reruns (the
idempotency key), exported as CSV when no API is configured, each provision in the provision log."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from connectors.common.http import Backoff
from connectors.sinks.career_relay.client import CareerRelayKeyRefused, CareerRelayUnavailable
from connectors.sinks.career_relay.settings import CareerRelaySettings
from connectors.sources import RAW_TABLES
from crm.warehouse import connect, ensure_schema
from outbound.referrals import DATA_ITEMS, provide_referrals
from outbound.relay_links import tracking_token
from tests.servers.career_relay_server import API_KEY, CareerRelayServer
from tests.servers.sendgrid_server import FailurePlan

AS_OF = date(2026, 11, 25)


def _warehouse(tmp_path, people: int) -> str:
    warehouse = tmp_path / "warehouse.duckdb"
    with connect(warehouse) as con:
        ensure_schema(con, RAW_TABLES)
        con.execute("create schema if not exists marts")
        con.execute(f"""
            create table marts.candidates as
            select 'C' || lpad(cast(i as varchar), 6, '0') as candidate_id, '山田' as family_name, '花子' as given_name,
                   'ヤマダ' as family_name_kana, 'ハナコ' as given_name_kana,
                   'person' || i || '@example.jp' as email, '+8190' || lpad(cast(i as varchar), 8, '0') as phone,
                   '東京都' as prefecture, 'バックエンドエンジニア' as desired_job_type, 5 as years_experience,
                   'Python, SQL' as skills
            from range({people}) t(i)""")
        con.execute("""
            create table marts.relay_referral_batch as
            select *, 'greenhouse:' || substr(candidate_id, 2) as application_key,
                   'greenhouse:9' || substr(candidate_id, 2) as consent_reference
            from marts.candidates""")
    return str(warehouse)


def _settings(server: CareerRelayServer | None, **overrides) -> CareerRelaySettings:
    values = dict(
        company_id="acme",
        api_url=server.url if server else None,
        api_key=API_KEY if server else None,
        timeout_s=0.5,
        backoff=Backoff(base_s=0.0, cap_s=0.0),
        attempts=12,
        token_secret="s",
    )
    values.update(overrides)
    return CareerRelaySettings(**values)


def _log(warehouse: str) -> list[tuple]:
    with connect(warehouse, read_only=True) as con:
        return con.execute(
            "select candidate_id, status, mode, data_items, consent_reference, retain_until, "
            "tracking_token, application_key from outbox.provision_log order by 1"
        ).fetchall()


def test_referrals_reach_career_relay_exactly_once_through_random_failures(tmp_path):
    warehouse = _warehouse(tmp_path, 1_200)
    plan = FailurePlan(
        random_rate=0.5, random_kinds=("429", "500", "drop", "drop_after", "slow"), slow_seconds=1.0, seed=1
    )
    with CareerRelayServer(plan) as server:
        summary = provide_referrals(
            warehouse, AS_OF, tmp_path / "exports", settings=_settings(server), sleep=lambda s: None
        )
    counts = Counter(r.referral["consent_reference"] for r in server.registered)
    assert len(counts) == 1_200 and set(counts.values()) == {1}
    assert summary.provided == 1_200 and summary.batches == 6 and summary.mode == "api"
    assert server.requests > 12  # the failures happened (a slow answer times out: 0.5 s)
    log = _log(warehouse)
    assert len(log) == 1_200 and {row[1] for row in log} == {"provided"}
    assert {row[3] for row in log} == {",".join(DATA_ITEMS)}
    assert {row[5] for row in log} == {date(2029, 11, 25)}  # kept 3 years
    for _candidate_id, *_, token, application_key in log:
        assert token == tracking_token("s", "acme", application_key)
    sent_fields = set().union(*(r.referral for r in server.registered))
    assert "birth_date" not in sent_fields and "gender" not in sent_fields
    with connect(warehouse, read_only=True) as con:
        assert con.execute("select count(*) from outbox.relay_links").fetchone()[0] == 1_200


def test_a_run_that_dies_after_career_relay_registered_a_batch_resumes_under_the_same_key(tmp_path):
    warehouse = _warehouse(tmp_path, 300)
    dying = FailurePlan(script=["ok", "drop_after", "drop_after"])
    with CareerRelayServer(dying) as server:
        with pytest.raises(CareerRelayUnavailable, match="next run posts them again under the same key"):
            provide_referrals(
                warehouse, AS_OF, tmp_path / "exports", settings=_settings(server, attempts=2), sleep=lambda s: None
            )
        assert Counter(row[1] for row in _log(warehouse)) == {"provided": 200, "sending": 100}
        assert len(server.registered) == 300  # the second batch was registered, the answer was lost
        again = provide_referrals(
            warehouse, AS_OF, tmp_path / "exports", settings=_settings(server), sleep=lambda s: None
        )
        third = provide_referrals(
            warehouse, AS_OF, tmp_path / "exports", settings=_settings(server), sleep=lambda s: None
        )
    assert again.resumed == 100 and third.provided == 0
    assert len(server.registered) == 300
    assert len({r.referral["consent_reference"] for r in server.registered}) == 300
    assert Counter(row[1] for row in _log(warehouse)) == {"provided": 300}


def test_without_an_api_the_referrals_are_exported_as_csv_once(tmp_path):
    warehouse = _warehouse(tmp_path, 250)
    first = provide_referrals(warehouse, AS_OF, tmp_path / "exports", settings=_settings(None), sleep=lambda s: None)
    second = provide_referrals(warehouse, AS_OF, tmp_path / "exports", settings=_settings(None), sleep=lambda s: None)
    assert first.mode == "csv" and first.provided == 250 and second.provided == 0
    lines = [
        line
        for path in sorted((tmp_path / "exports").glob("*.csv"))
        for line in path.read_text(encoding="utf-8-sig").splitlines()[1:]
    ]
    assert len(lines) == 250
    assert ",090" in lines[0] and "'+81" not in lines[0]  # a phone a spreadsheet does not turn into a formula
    assert {row[2] for row in _log(warehouse)} == {"csv"}


def test_a_wrong_key_gives_one_clear_message_and_provides_nothing(tmp_path):
    warehouse = _warehouse(tmp_path, 10)
    with CareerRelayServer() as server, pytest.raises(CareerRelayKeyRefused, match="CAREER_RELAY_API_KEY"):
        provide_referrals(warehouse, AS_OF, tmp_path / "exports", settings=_settings(server, api_key="wrong"))
    assert server.registered == []
    assert {row[1] for row in _log(warehouse)} == {"sending"}  # posted again under the same key once the key is fixed
