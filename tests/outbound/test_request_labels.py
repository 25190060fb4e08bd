"""What every nurture and rejection request carries (issue 18), sent through the real SDK to the local SendGrid
server: categories naming the kind and the campaign, custom_args with kind and variant, the dynamic data every
template may use, and one-click List-Unsubscribe headers that name no address."""

from __future__ import annotations

from datetime import date

from connectors.common.http import Backoff
from connectors.sinks.sendgrid.settings import SendGridSettings
from connectors.sources import RAW_TABLES
from crm.warehouse import connect, ensure_schema
from outbound.campaigns import NURTURE, REJECTION
from outbound.sendgrid_sends import send_sendgrid
from tests.outbound.nurture_marts import create_nurture_marts
from tests.servers.sendgrid_server import API_KEY, MailSendServer

AS_OF = date(2026, 11, 25)


def _settings(server: MailSendServer) -> SendGridSettings:
    return SendGridSettings(
        api_key=API_KEY,
        api_url=server.host,
        timeout_s=5.0,
        sandbox=False,
        backoff=Backoff(base_s=0.001, cap_s=0.01),
        rate_limit_wait_max_s=0.01,
    )


def _warehouse(tmp_path) -> str:
    warehouse = tmp_path / "warehouse.duckdb"
    with connect(warehouse) as con:
        ensure_schema(con, RAW_TABLES)
        con.execute("create schema marts")
        con.execute("""
            create table marts.nurture_jobs as
            select * from (values
                ('J1', 'バックエンドエンジニア', 'engineering', '大阪府', date '2026-10-01'),
                ('J2', 'SRE', 'engineering', '東京都', date '2026-09-01'),
                ('J3', 'フロントエンドエンジニア', 'engineering', '東京都', date '2026-11-01'),
                ('J4', 'データエンジニア', 'engineering', '福岡県', date '2026-11-10'),
                ('S1', '法人営業', 'sales', '東京都', date '2026-11-01'))
            t(job_id, job_title, job_family, prefecture, posted_date)""")
        create_nurture_marts(
            con,
            """select 'C' || i as candidate_id, 'p' || i || '@example.jp' as email, '候補者' as display_name,
                      'engineering × 東京都 × 3-5 years × rejected_before' as segment,
                      case when i < 4 then 'nurture-rejected-engineers-kanto' else 'nurture-prospects' end
                          as campaign_id,
                      '2026-11' as step, 'nurture' as kind,
                      case when i < 4 then (['a', 'b'])[1 + i % 2] end as variant,
                      case when i < 4 then 'engineering' else 'unknown' end as job_family,
                      '東京都' as region, 14 as frequency_cap_days
               from range(6) t(i)""",
        )
        con.execute("""
            create table marts.rejection_mail_batch as
            select 'R' || i as candidate_id, 'r' || i || '@example.jp' as email, '候補者' as display_name,
                   'rejection' as campaign_id, 'greenhouse:' || i as step, '営業' as job_title
            from range(2) t(i)""")
    return str(warehouse)


def test_nurture_requests_name_kind_campaign_and_variant_and_carry_one_click_unsubscribe(tmp_path):
    warehouse = _warehouse(tmp_path)
    with MailSendServer() as server:
        summary = send_sendgrid(warehouse, AS_OF, NURTURE, sendgrid=_settings(server), sleep=lambda s: None)
    assert summary.messages == 6 and len(server.delivered) == 6
    by_person = {d.custom_args["candidate_id"]: d for d in server.delivered}
    kanto, prospect = by_person["C1"], by_person["C5"]
    assert set(kanto.categories) == {"nurture", "campaign-nurture-rejected-engineers-kanto", "segment-engineering"}
    assert set(prospect.categories) == {"nurture", "campaign-nurture-prospects", "segment-unknown"}
    for person, delivered in by_person.items():
        args = delivered.custom_args
        assert args["kind"] == "nurture" and args["step"] == "2026-11" and isinstance(args["variant"], str)
        assert delivered.template_data["kind"] == "nurture" and delivered.template_data["language"] == "ja"
        assert delivered.template_data["variant"] == args["variant"]
        assert delivered.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe = delivered.headers["List-Unsubscribe"]
        assert unsubscribe.startswith("<mailto:") and "<https://" in unsubscribe and person in unsubscribe
        assert delivered.email not in unsubscribe and "@example.jp" not in unsubscribe  # no address in a header
        for key in ("sender_name", "sender_address", "unsubscribe_url", "careers_url", "segment"):
            assert delivered.template_data[key]
    assert {by_person[c].custom_args["variant"] for c in ("C0", "C1", "C2", "C3")} == {"a", "b"}
    assert by_person["C4"].custom_args["variant"] == ""  # a campaign without variants: '' (custom_args are strings)
    # up to three open jobs of the person's family, those in their prefecture first, then the newest
    assert [j["title"] for j in kanto.template_data["jobs"]] == ["フロントエンドエンジニア", "SRE", "データエンジニア"]
    assert kanto.template_data["jobs"][0]["url"].startswith("https://example.co.jp/careers/jobs/J3?")
    # a prospect's family is unknown: any family's jobs
    assert len(prospect.template_data["jobs"]) == 3
    with connect(warehouse, read_only=True) as con:
        ledger = dict(
            con.execute(
                "select candidate_id, (kind, coalesce(variant, ''), segment) from outbox.send_ledger"
            ).fetchall()
        )
    assert ledger["C1"] == ("nurture", by_person["C1"].custom_args["variant"], kanto.template_data["segment"])
    assert ledger["C4"] == ("nurture", "", "engineering × 東京都 × 3-5 years × rejected_before")


def test_rejection_requests_name_their_kind_and_campaign_and_keep_the_career_relay_link(tmp_path):
    warehouse = _warehouse(tmp_path)
    with MailSendServer() as server:
        summary = send_sendgrid(warehouse, AS_OF, REJECTION, sendgrid=_settings(server), sleep=lambda s: None)
    assert summary.messages == 2
    for delivered in server.delivered:
        assert set(delivered.categories) == {"rejection", "campaign-rejection", "career-relay"}
        assert delivered.custom_args["kind"] == "rejection" and delivered.custom_args["variant"] == ""
        assert delivered.custom_args["relay_token"] and delivered.template_data["career_relay_url"]
        assert delivered.template_data["kind"] == "rejection"
        assert delivered.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    with connect(warehouse, read_only=True) as con:
        assert con.execute("select distinct kind from outbox.send_ledger").fetchall() == [("rejection",)]
