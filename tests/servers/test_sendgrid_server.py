"""The local SendGrid test server, driven by the real `sendgrid` SDK: it accepts what SendGrid accepts
(a nurture request as this project builds it), refuses what SendGrid refuses with its error envelope, and
fails on purpose the ways the send code must survive."""

from __future__ import annotations

import copy
import socket
import time

import pytest
from python_http_client import exceptions
from sendgrid import SendGridAPIClient

from connectors.sinks.sendgrid.messages import nurture_request
from connectors.sinks.sendgrid.settings import SenderSettings
from tests.servers.sendgrid_server import API_KEY, FailurePlan, MailSendServer, problems


def _client(server: MailSendServer, key: str = API_KEY, timeout: float = 30.0) -> SendGridAPIClient:
    client = SendGridAPIClient(key, host=server.host)
    client.client.timeout = timeout  # the SDK has none by default; validating 1,001 personalizations takes a while
    return client


def _body(n: int = 3) -> dict:
    people = [
        {"candidate_id": f"C{i:04d}", "email": f"person{i}@example.jp", "display_name": f"候補者 {i}"} for i in range(n)
    ]
    return nurture_request(people, "nurture-2026-11-engineering", "batch-1", "engineering", SenderSettings())


def test_a_valid_nurture_request_is_accepted_and_each_recipient_recorded_once():
    with MailSendServer() as server:
        response = _client(server).send(_body(3))
    assert response.status_code == 202
    message_id = response.headers["X-Message-Id"]
    assert len(message_id) == 22
    assert sorted(d.email for d in server.delivered) == [
        "person0@example.jp",
        "person1@example.jp",
        "person2@example.jp",
    ]
    assert {d.custom_args["candidate_id"] for d in server.delivered} == {"C0000", "C0001", "C0002"}
    assert all(d.message_id == message_id and d.template_id.startswith("d-") for d in server.delivered)


@pytest.mark.parametrize(
    "mutate, fragment",
    [
        (lambda b: b.pop("from"), "'from' is a required property"),
        (lambda b: b["personalizations"].extend(copy.deepcopy(b["personalizations"][:1]) * 1000), "personalizations"),
        (lambda b: b["personalizations"][1]["to"].__setitem__(0, {"email": "person0@example.jp"}), "unique"),
        (lambda b: b.__setitem__("categories", [f"c{i}" for i in range(11)]), "categories"),
        (lambda b: b["personalizations"][0]["custom_args"].__setitem__("blob", "x" * 10_001), "10,000 bytes"),
        (lambda b: b.__setitem__("mail_settings", {"sandbox_mode": {"enable": "true"}}), "boolean"),
        (lambda b: b.pop("template_id"), "content parameter is required"),
        (lambda b: b["asm"].__setitem__("group_id", "4321"), "integer"),
    ],
    ids=[
        "no-from",
        "1001-personalizations",
        "duplicate-recipient",
        "11-categories",
        "custom-args-too-big",
        "sandbox-flag-quoted",
        "no-template-no-content",
        "asm-group-id-string",
    ],
)
def test_what_sendgrid_refuses_is_refused_with_its_error_envelope(mutate, fragment):
    body = _body(3)
    mutate(body)
    with MailSendServer() as server, pytest.raises(exceptions.BadRequestsError) as refused:
        _client(server).send(body)
    errors = refused.value.to_dict["errors"]
    assert errors and any(fragment in e["message"] or fragment == e["field"] for e in errors), errors
    assert server.delivered == []


def test_a_wrong_key_is_401_and_sandbox_mode_validates_without_delivering():
    with MailSendServer() as server:
        with pytest.raises(exceptions.UnauthorizedError):
            _client(server, "SG.wrong").send(_body(1))
        body = _body(2)
        body["mail_settings"] = {"sandbox_mode": {"enable": True}}
        assert _client(server).send(body).status_code == 200
    assert server.delivered == []


def test_it_fails_on_purpose_before_accepting_anything():
    # the slow answer comes 2 s after the client gave up (room for a loaded machine), then the next is answered
    plan = FailurePlan(script=["429", "500", "drop", "slow", "ok"], slow_seconds=7.0, retry_after_seconds=2)
    with MailSendServer(plan) as server:
        client = _client(server, timeout=5.0)
        with pytest.raises(exceptions.TooManyRequestsError) as limited:
            client.send(_body(1))
        assert limited.value.headers["Retry-After"] == "2"
        assert int(limited.value.headers["X-RateLimit-Reset"]) > 0
        with pytest.raises(exceptions.InternalServerError):
            client.send(_body(1))
        with pytest.raises(Exception) as dropped:  # urllib: the connection closed without a response
            client.send(_body(1))
        assert not isinstance(dropped.value, exceptions.HTTPError)
        with pytest.raises((socket.timeout, TimeoutError, OSError)):
            client.send(_body(1))  # slower than the client's 5 s timeout
        assert client.send(_body(1)).status_code == 202
        deadline = time.monotonic() + 15
        while len(server.delivered) < 2 and time.monotonic() < deadline:  # the slow answer is still on its way
            time.sleep(0.1)
    # only the last request was accepted; the slow one was answered after the client gave up and counts:
    # a timeout is not proof that nothing was sent
    assert len(server.delivered) == 2


def test_the_limits_are_checked_on_bodies_too():
    assert problems(_body(1000)) == []
    assert problems({"personalizations": [], "from": {"email": "a@example.jp"}, "template_id": "d-1"})
