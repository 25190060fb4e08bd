"""issue 18, part B: the match reasons in plain words, and the request bodies of the new-position alert and the
re-application notice (categories, custom_args, dynamic data, legal footer)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from connectors.sinks.sendgrid.messages import new_position_request, reapply_notice_request
from connectors.sinks.sendgrid.settings import SenderSettings
from crm.summary import RunSummary
from outbound.alerts import NEW_POSITION, REAPPLY_NOTICE, family_label, fit_reasons
from outbound.campaigns import CAMPAIGNS, SendSummary

FIT = {
    "shared_skills": "python, sql",
    "is_same_job_family": True,
    "is_same_region": True,
    "years_experience": 5,
    "min_years": 3,
    "experience_points": 10,
}


def test_every_reason_a_job_fits_becomes_a_sentence_in_japanese_or_english():
    assert fit_reasons(FIT) == [
        "求人が求めるスキル（python、sql）をお持ちです",
        "これまでのご経験と同じ職種の求人です",
        "お住まいの都道府県での勤務です",
        "経験年数が求人の条件に合っています（5年、条件は3年以上）",
    ]
    assert fit_reasons(FIT, "en") == [
        "You have skills this job asks for: python, sql",
        "It is in your line of work",
        "It is in the prefecture you live in",
        "Your 5 years of experience meet the 3 years it asks for",
    ]


def test_only_the_reasons_that_hold_are_given():
    assert fit_reasons({"shared_skills": None, "is_same_job_family": True, "experience_points": 5}) == [
        "これまでのご経験と同じ職種の求人です"
    ]
    assert fit_reasons({"experience_points": 10, "min_years": 0, "years_experience": 1}) == [
        "経験年数の条件はありません"
    ]
    assert fit_reasons({}) == []


def test_job_families_have_human_labels():
    assert family_label("engineering") == "エンジニア職" and family_label("engineering", "en") == "Engineering"
    assert family_label("robotics") == "robotics"


def test_both_kinds_are_registered_campaigns():
    assert CAMPAIGNS["new_position"] is NEW_POSITION and CAMPAIGNS["reapply_notice"] is REAPPLY_NOTICE
    assert NEW_POSITION.capped and REAPPLY_NOTICE.capped


def _person(**extra) -> dict:
    return {"candidate_id": "C1", "email": "c1@example.jp", "display_name": "山田 太郎", "variant": "b", **extra}


def test_a_new_position_alert_names_the_job_and_why_it_fits():
    sender = SenderSettings()
    recipient = NEW_POSITION.prepare(
        _person(step="JOB-1", job_id="JOB-1", job_title="SRE", job_location="東京都渋谷区", language=None, **FIT)
    )
    body = new_position_request([recipient], "new-position-alert", "batch-1", sender)
    assert set(body["categories"]) == {"new_position", "campaign-new-position-alert"}
    assert body["template_id"] == sender.new_position_template_id and body["asm"]["group_id"]
    (personalization,) = body["personalizations"]
    data = personalization["dynamic_template_data"]
    assert data["job_title"] == "SRE" and data["job_location"] == "東京都渋谷区"
    assert data["job_url"] == f"{sender.careers_url}/jobs/JOB-1?utm_source=crm&utm_campaign=new-position-alert"
    assert data["reasons"] == fit_reasons(FIT)
    assert (data["kind"], data["variant"], data["language"]) == ("new_position", "b", "ja")
    assert data["sender_name"] and data["sender_address"] and data["unsubscribe_url"]
    assert personalization["custom_args"] == {
        "candidate_id": "C1",
        "campaign_id": "new-position-alert",
        "batch_id": "batch-1",
        "step": "JOB-1",
        "kind": "new_position",
        "variant": "b",
    }


def test_a_reapply_notice_says_when_and_offers_at_most_three_jobs_with_reasons():
    sender = SenderSettings()
    jobs = [{"job_id": f"JOB-{n}", "title": f"Job {n}", **FIT} for n in range(4)]
    recipient = REAPPLY_NOTICE.prepare(
        _person(step="greenhouse:9", job_family="sales", eligible_date=date(2026, 11, 24), language="en", jobs=jobs)
    )
    body = reapply_notice_request([recipient], "reapply-notice", "batch-2", sender)
    assert set(body["categories"]) == {"reapply_notice", "campaign-reapply-notice"}
    assert body["template_id"] == sender.reapply_notice_template_id
    (personalization,) = body["personalizations"]
    data = personalization["dynamic_template_data"]
    assert data["job_family"] == "Sales" and data["eligible_date"] == "2026-11-24" and data["language"] == "en"
    assert [job["title"] for job in data["jobs"]] == ["Job 0", "Job 1", "Job 2"]
    assert data["jobs"][0]["reasons"] == fit_reasons(FIT, "en")
    assert data["jobs"][0]["url"].startswith(f"{sender.careers_url}/jobs/JOB-0?")
    assert personalization["custom_args"]["step"] == "greenhouse:9"
    assert personalization["custom_args"]["kind"] == "reapply_notice"


def test_a_notice_without_a_variant_carries_a_blank_string():
    body = reapply_notice_request(
        [REAPPLY_NOTICE.prepare(_person(step="k", variant=None, job_family="hr", jobs=None))],
        "c",
        "b",
        SenderSettings(),
    )
    (personalization,) = body["personalizations"]
    assert personalization["custom_args"]["variant"] == "" and personalization["dynamic_template_data"]["jobs"] == []


def test_the_run_summary_counts_each_kind():
    alerts = SimpleNamespace(
        reapply_notice=SendSummary(mode="outbox", kind="reapply_notice", messages=3, already_sent=1),
        new_position=SendSummary(mode="outbox", kind="new_position", messages=12, capped=2),
    )
    counts = {f"sent:{kind}": n for kind, n in (("nurture", 90), ("new_position", 12), ("reapply_notice", 3))}
    summary = RunSummary(
        ingest=SimpleNamespace(by_source={}, load_ids=[], notices={}, not_landed=[]),
        build=SimpleNamespace(gates=[], report=None),
        send=SendSummary(mode="outbox", messages=90, batches=1),
        outbox_dir="/tmp/outbox",
        warehouse=counts,
        alerts=alerts,
    )
    text, markdown = summary.text(), summary.markdown()
    assert "Re-application notices: 3 written to the outbox (1 already sent, 0 held by the frequency cap)" in text
    assert "New-position alerts: 12 written to the outbox (0 already sent, 2 held by the frequency cap)" in text
    assert (
        "Mail by kind (send ledger, all runs): nurture 90, new_position 12, reapply_notice 3, rejection 0, "
        "consent_renewal 0" in text
    )
    assert "**New-position alerts:** 12 written" in markdown
