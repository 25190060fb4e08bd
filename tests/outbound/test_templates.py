"""The SendGrid dynamic templates that live in templates/sendgrid/: they use only the dynamic data the project
sends (the issue 18 contract's keys per kind), render with a Handlebars library to a mail that names the
sender, gives the postal address and the unsubscribe link, and go to SendGrid through its Templates API,
idempotently; in sendgrid mode their ids are read from the API by name."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date

import pytest

from connectors.common.http import Backoff
from connectors.sinks.sendgrid.client import SendGridKeyMissing, make_client
from connectors.sinks.sendgrid.settings import SendGridSettings
from outbound import templates
from tests.servers.sendgrid_server import API_KEY, FailurePlan, MailSendServer

KINDS = ("nurture", "new_position", "reapply_notice", "rejection", "consent_renewal")  # the contract's kinds
AS_OF = date(2026, 11, 25)


def _settings(server, **overrides) -> SendGridSettings:
    values = dict(api_key=API_KEY, api_url=server.host, timeout_s=10.0, backoff=Backoff(0.001, 0.01), max_attempts=4)
    return SendGridSettings(**{**values, **overrides})


def test_every_kind_has_a_japanese_and_an_english_template_with_subject_html_and_text():
    found = {(t.kind, t.language) for t in templates.load_templates()}
    assert found == {(kind, language) for kind in KINDS for language in ("ja", "en")}
    for template in templates.load_templates():
        assert template.name == f"crm-{template.kind}-{template.language}"
        assert template.subject.strip() and template.html.strip() and template.text.strip()
        assert f'lang="{template.language}"' in template.html


@pytest.mark.parametrize("template", templates.load_templates(), ids=lambda t: t.name)
def test_a_template_uses_only_the_dynamic_data_the_project_sends_for_its_kind(template):
    for part in ("subject", "html", "text"):
        assert templates.unknown_variables(getattr(template, part), template.kind) == [], (template.name, part)
    assert set(template.test_data) <= templates.data_keys(template.kind)


def test_the_variable_check_catches_what_the_project_does_not_send():
    assert templates.unknown_variables("{{name}} {{job_title}}", "nurture") == ["job_title"]
    assert templates.unknown_variables("{{#each jobs}}{{title}}{{salary}}{{/each}}", "nurture") == ["jobs.salary"]
    assert templates.unknown_variables("{{#each jobs}}{{#each reasons}}{{this}}{{/each}}{{/each}}", "nurture") == [
        "jobs.reasons",
        "jobs.reasons.this",
    ]
    assert templates.unknown_variables("{{#each reasons}}{{this}}{{/each}}", "new_position") == []
    assert templates.unknown_variables("{{{ unsubscribe_url }}}{{! a comment }}", "rejection") == []
    assert templates.unknown_variables('{{#equals variant "b"}}b{{else}}a{{/equals}}', "rejection") == []
    assert templates.unknown_variables("{{this}}", "rejection") == ["this"]


def test_the_example_data_of_each_template_renders_with_the_legal_footer_and_no_handlebars_left():
    for template in templates.load_templates():
        mail = templates.render(template, template.test_data)
        templates_left = re.findall(r"\{\{.*?\}\}", mail.subject + mail.html + mail.text)
        assert not templates_left, (template.name, templates_left)
        for part in (mail.html, mail.text):
            assert template.test_data["sender_name"] in part and template.test_data["sender_address"] in part
            assert template.test_data["unsubscribe_url"] in part
        assert f'href="{template.test_data["unsubscribe_url"]}"' in mail.html
        assert template.test_data["sender_name"] in mail.subject and "\n" not in mail.subject


def test_names_are_escaped_in_html_and_a_missing_name_still_reads_well():
    template = templates.template_for("rejection", "ja")
    data = {**template.test_data, "name": "<b>山田</b> & 子", "job_title": ""}
    mail = templates.render(template, data)
    assert "&lt;b&gt;山田&lt;/b&gt; &amp; 子 様" in mail.html and "<b>山田</b> & 子 様" in mail.text
    assert "選考結果のご連絡【" in mail.subject  # no empty （） when the job title is unknown
    nameless = templates.render(template, {**template.test_data, "name": ""})
    assert "ご応募者様" in nameless.html and " 様" not in nameless.html.split("<body", 1)[1].split("</p>", 1)[0]


def test_variant_b_of_a_campaign_may_have_its_own_subject():
    template = templates.template_for("nurture", "ja")
    a = templates.render(template, {**template.test_data, "variant": "a"})
    b = templates.render(template, {**template.test_data, "variant": "b"})
    assert a.subject != b.subject and a.html == b.html


def _versions(server) -> dict[str, list[dict]]:
    return {t.name: t.versions for t in server.api.templates.values()}


def test_upload_creates_each_template_once_and_a_second_run_changes_nothing(capsys):
    with MailSendServer() as server:
        settings = _settings(server)
        first = templates.upload(make_client(settings), settings)
        assert sorted(first.values()) == ["created"] * 10
        calls_after_first = len(server.api.calls)
        second = templates.upload(make_client(settings), settings)
        assert set(second.values()) == {"unchanged"}
        assert server.api.calls[calls_after_first:] == [("ListTemplate", "/v3/templates")]  # nothing written
    versions = _versions(server)
    assert sorted(versions) == sorted(f"crm-{k}-{lang}" for k in KINDS for lang in ("ja", "en"))
    for name, kept in versions.items():
        assert len(kept) == 1 and kept[0]["active"] == 1
        local = templates.template_by_name(name)
        assert kept[0]["subject"] == local.subject.strip()
        assert kept[0]["html_content"] == local.html and kept[0]["plain_content"] == local.text
        assert json.loads(kept[0]["test_data"]) == local.test_data
    assert all(t.generation == "dynamic" and t.id.startswith("d-") for t in server.api.templates.values())


def test_a_changed_file_adds_a_new_active_version_of_that_template_only():
    with MailSendServer() as server:
        settings = _settings(server)
        client = make_client(settings)
        templates.upload(client, settings)
        changed = [
            replace(t, html=t.html.replace("誠にありがとうございました", "ありがとうございました"))
            if t.name == "crm-rejection-ja"
            else t
            for t in templates.load_templates()
        ]
        outcome = templates.upload(client, settings, changed)
        assert outcome["crm-rejection-ja"] == "updated"
        assert {name for name, what in outcome.items() if what != "unchanged"} == {"crm-rejection-ja"}
        assert templates.upload(client, settings, changed)["crm-rejection-ja"] == "unchanged"
        # back to the file as committed: its version exists, so it is activated again, not added a third time
        assert templates.upload(client, settings)["crm-rejection-ja"] == "reactivated"
    versions = _versions(server)["crm-rejection-ja"]
    assert [v["active"] for v in versions] == [1, 0]
    assert "ありがとうございました" in versions[1]["html_content"]


def test_the_command_uploads_and_says_what_it_did_without_personal_data(monkeypatch, capsys):
    with MailSendServer() as server:
        monkeypatch.setenv("SENDGRID_API_KEY", API_KEY)
        monkeypatch.setenv("SENDGRID_API_URL", server.host)
        assert templates.main(["upload"]) == 0
        out = capsys.readouterr().out
        assert "crm-rejection-ja: created" in out and "@" not in out
        assert templates.main(["upload"]) == 0
        assert "10 unchanged" in capsys.readouterr().out
        monkeypatch.delenv("SENDGRID_API_KEY")
        monkeypatch.setattr("connectors.sinks.sendgrid.client.key_from_prefect_secret", lambda: None)
        assert templates.main(["upload"]) == 1
        assert "SENDGRID_API_KEY" in capsys.readouterr().err


def test_template_ids_come_from_the_api_by_name_and_an_explicit_override_wins(monkeypatch):
    for kind in KINDS:
        monkeypatch.delenv(f"SENDGRID_{kind.upper()}_TEMPLATE_ID", raising=False)
    body = {"template_id": "d-00000000000000000000000000000001", "personalizations": [{"to": [{"email": "a@b.jp"}]}]}
    with MailSendServer(FailurePlan(script=["429"], retry_after_seconds=0)) as server:
        settings = _settings(server)
        client = make_client(settings)
        ids = templates.TemplateIds(client, settings, sleep=lambda s: None)
        with pytest.raises(SendGridKeyMissing) as missing:
            ids.resolve("nurture", body)
        assert "crm-nurture-ja" in str(missing.value) and "python -m outbound.templates upload" in str(missing.value)
        assert server.plan.script == []  # the 429 was met and the listing retried
        templates.upload(client, settings)
        uploaded = {t.name: t.id for t in server.api.templates.values()}
        ids = templates.TemplateIds(client, settings)
        assert ids.resolve("nurture", body) == uploaded["crm-nurture-ja"]
        english = {**body, "personalizations": [{"dynamic_template_data": {"language": "en"}}]}
        assert ids.resolve("rejection", english) == uploaded["crm-rejection-en"]
        calls = len(server.api.calls)
        ids.resolve("consent_renewal", body)
        assert len(server.api.calls) == calls  # listed once per run
        # an explicit id (an environment override, or a non-placeholder id set in the settings) is used as is
        assert ids.resolve("nurture", {**body, "template_id": "d-0123456789abcdef0123456789abcdef"}).startswith("d-01")
        monkeypatch.setenv("SENDGRID_NURTURE_TEMPLATE_ID", "d-00000000000000000000000000000001")
        assert ids.resolve("nurture", body) == "d-00000000000000000000000000000001"


def _unpinned(monkeypatch) -> None:
    for kind in KINDS:
        monkeypatch.delenv(f"SENDGRID_{kind.upper()}_TEMPLATE_ID", raising=False)


def test_sendgrid_mode_sends_with_the_ids_of_the_uploaded_templates(tmp_path, monkeypatch):
    from outbound.sendgrid_sends import send_nurture_sendgrid
    from tests.outbound.test_sendgrid_sends import _ledger, _warehouse

    _unpinned(monkeypatch)
    warehouse = _warehouse(tmp_path, 30)
    with MailSendServer() as server:
        settings = _settings(server)
        templates.upload(make_client(settings), settings)
        summary = send_nurture_sendgrid(warehouse, AS_OF, sendgrid=settings)
    nurture_ja = next(t.id for t in server.api.templates.values() if t.name == "crm-nurture-ja")
    assert summary.messages == 30 and {d.template_id for d in server.delivered} == {nurture_ja}
    assert _ledger(warehouse) == {"accepted": 30}


def test_sendgrid_mode_without_the_templates_stops_before_sending_and_says_how_to_upload(tmp_path, monkeypatch):
    from outbound.sendgrid_sends import send_nurture_sendgrid
    from tests.outbound.test_sendgrid_sends import _ledger, _warehouse

    _unpinned(monkeypatch)
    warehouse = _warehouse(tmp_path, 3)
    with MailSendServer() as server:
        with pytest.raises(SendGridKeyMissing, match=r"crm-nurture-ja.*python -m outbound.templates upload"):
            send_nurture_sendgrid(warehouse, AS_OF, sendgrid=_settings(server))
    assert server.delivered == [] and _ledger(warehouse) == {}  # nothing sent, nothing left pending


def test_the_check_command_passes_on_the_templates_as_committed(capsys):
    assert templates.main(["check"]) == 0
    assert "10 templates use only the dynamic data the project sends" in capsys.readouterr().out


def test_the_upload_refuses_a_template_that_uses_data_the_project_does_not_send():
    bad = replace(templates.template_for("nurture", "ja"), html="<p>{{salary}}</p>")
    with MailSendServer() as server:
        settings = _settings(server)
        with pytest.raises(templates.TemplateProblem, match=r"crm-nurture-ja .*html: salary"):
            templates.upload(make_client(settings), settings, [bad])
    assert server.api.calls == []  # refused before anything was written
