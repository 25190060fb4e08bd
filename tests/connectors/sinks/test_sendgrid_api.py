"""Suppressions, data erasure and templates through the real SDK against the local server, which checks each
request against SendGrid's published OpenAPI files."""

from __future__ import annotations

import pytest

from connectors.common.http import Backoff
from connectors.sinks.sendgrid import api
from connectors.sinks.sendgrid.client import SendGridKeyRefused, make_client
from connectors.sinks.sendgrid.settings import SendGridSettings
from tests.servers.sendgrid_server import API_KEY, FailurePlan, MailSendServer


def _settings(server, **overrides) -> SendGridSettings:
    values = dict(api_key=API_KEY, api_url=server.host, timeout_s=5.0, backoff=Backoff(0.001, 0.01), max_attempts=4)
    return SendGridSettings(**{**values, **overrides})


def test_global_suppression_and_erasure_reach_sendgrid_as_its_spec_says():
    with MailSendServer() as server:
        settings = _settings(server)
        client = make_client(settings)
        assert api.suppress_globally(client, ["Gone@Example.jp"], settings) == ["gone@example.jp"]
        jobs = api.request_erasure(client, ["gone@example.jp"], settings)
        assert len(jobs) == 1
        with pytest.raises(api.SendGridRefused, match="email_addresses"):
            api.request_erasure(client, ["not an address"], settings)
    assert server.api.global_suppressions == {"gone@example.jp"}
    assert [j["email_addresses"] for j in server.api.erase_jobs] == [["gone@example.jp"]]


def test_the_server_refuses_what_the_spec_refuses():
    with MailSendServer() as server:
        assert server.api.handle("POST", "/v3/recipients/erasejob", b'{"email_addresses": []}')[0] == 400  # minItems
        assert server.api.handle("POST", "/v3/asm/suppressions/global", b'{"emails": ["a@b.jp"]}')[0] == 400
        assert server.api.handle("GET", "/v3/templates", b"")[0] == 400  # page_size is required
        assert server.api.handle("PUT", "/v3/templates", b"")[0] == 405
        assert server.api.handle("POST", "/v3/no/such/thing", b"{}")[0] == 404


def test_dynamic_templates_and_versions():
    with MailSendServer() as server:
        settings = _settings(server)
        client = make_client(settings)
        created = api.create_dynamic_template(client, "crm-rejection", settings)
        assert created["id"].startswith("d-") and created["generation"] == "dynamic"
        version = api.create_version(
            client, created["id"], {"name": "v1", "subject": "{{subject}}", "html_content": "<p>{{name}}</p>"}, settings
        )
        assert version["active"] == 1  # the first version is active
        second = api.create_version(client, created["id"], {"name": "v2", "subject": "s"}, settings)
        api.activate_version(client, created["id"], second["id"], settings)
        listed = api.dynamic_templates(client, settings)
    assert [t["name"] for t in listed] == ["crm-rejection"]
    assert [v["active"] for v in listed[0]["versions"]] == [0, 1]


def test_429_and_5xx_are_retried_and_a_wrong_key_is_one_message():
    with MailSendServer(FailurePlan(script=["429", "500"], retry_after_seconds=0)) as server:
        settings = _settings(server)
        assert api.suppress_globally(make_client(settings), ["a@example.jp"], settings, sleep=lambda s: None)
        assert server.plan.script == []  # both failures were met and retried
        with pytest.raises(SendGridKeyRefused, match="SENDGRID_API_KEY"):
            api.suppress_globally(make_client(_settings(server, api_key="SG.wrong")), ["a@example.jp"], settings)
