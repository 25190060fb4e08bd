"""The Event Webhook receiver: SendGrid's signed test vector, refusals, and files that land once."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from connectors.common.landing import land_stream
from connectors.sources import RAW_TABLES, all_streams
from connectors.sources.sendgrid_events.receiver import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    make_server,
    serve_in_background,
    verify_signature,
)
from crm.warehouse import connect, ensure_schema
from tests.conftest import FIXTURES

VECTOR = json.loads((FIXTURES / "sendgrid" / "event_webhook" / "signed_webhook_test_vector.json").read_text())
SIGNATURE = VECTOR["headers"][SIGNATURE_HEADER]
TIMESTAMP = VECTOR["headers"][TIMESTAMP_HEADER]
BODY = VECTOR["raw_body"].encode("utf-8")


def test_the_documented_vector_verifies_and_tampering_does_not():
    assert verify_signature(VECTOR["public_key"], BODY, SIGNATURE, TIMESTAMP)
    assert not verify_signature(VECTOR["public_key"], BODY + b" ", SIGNATURE, TIMESTAMP)
    assert not verify_signature(VECTOR["public_key"], BODY, SIGNATURE, str(int(TIMESTAMP) + 1))
    assert not verify_signature(VECTOR["public_key"], BODY, "bm90IGEgc2lnbmF0dXJl", TIMESTAMP)


def post(url: str, body: bytes, headers: dict) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def receiver(tmp_path):
    server = make_server(tmp_path / "landing", VECTOR["public_key"])
    serve_in_background(server)
    yield f"http://127.0.0.1:{server.server_address[1]}/", tmp_path / "landing"
    server.shutdown()
    server.server_close()


def test_signed_posts_are_saved_and_land_once_even_when_sendgrid_retries(receiver, tmp_path):
    url, landing = receiver
    headers = {SIGNATURE_HEADER: SIGNATURE, TIMESTAMP_HEADER: TIMESTAMP, "Content-Type": "application/json"}
    assert post(url, BODY, headers) == 200
    assert post(url, BODY, headers) == 200  # the same delivery again
    assert post(url, BODY, {**headers, SIGNATURE_HEADER: "bm9wZQ=="}) == 403
    assert post(url, BODY, {"Content-Type": "application/json"}) == 403
    saved = sorted((landing / "engagement" / "sendgrid").glob("webhook_*.json"))
    assert len(saved) == 2 and saved[0].read_bytes() == BODY
    with connect(tmp_path / "w.duckdb") as con:
        ensure_schema(con, RAW_TABLES)
        results = [r for s in all_streams(landing, ["sendgrid_events"]) for r in land_stream(con, s)]
    assert [r.status for r in results].count("skipped") == 1  # identical body: already loaded
    assert sum(r.records_landed for r in results) == len(json.loads(BODY))
