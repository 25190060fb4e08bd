"""The Event Webhook receiver: SendGrid's signed test vector, refusals, and files that land once."""

from __future__ import annotations

import base64
import json
import socket
import time
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
    # SendGrid's documented vector was signed long ago: the receiver's clock is set to that moment
    server = make_server(tmp_path / "landing", VECTOR["public_key"], clock=lambda: float(TIMESTAMP))
    serve_in_background(server)
    yield f"http://127.0.0.1:{server.server_address[1]}/", tmp_path / "landing"
    server.shutdown()
    server.server_close()


def test_signed_posts_are_saved_and_land_once_even_when_sendgrid_retries(receiver, tmp_path):
    url, landing = receiver
    headers = {SIGNATURE_HEADER: SIGNATURE, TIMESTAMP_HEADER: TIMESTAMP, "Content-Type": "application/json"}
    assert post(url, BODY, headers) == 200
    assert post(url, BODY, headers) == 200  # the same signed post again (a replay): answered, not saved twice
    assert post(url, BODY, {**headers, SIGNATURE_HEADER: "bm9wZQ=="}) == 403
    assert post(url, BODY, {"Content-Type": "application/json"}) == 403
    saved = sorted((landing / "engagement" / "sendgrid").glob("webhook_*.json"))
    assert len(saved) == 1 and saved[0].read_bytes() == BODY
    # SendGrid's own retry comes with a new timestamp and signature: saved again, landed once
    (saved[0].parent / "webhook_retry.json").write_bytes(BODY)
    with connect(tmp_path / "w.duckdb") as con:
        ensure_schema(con, RAW_TABLES)
        results = [r for s in all_streams(landing, ["sendgrid_events"]) for r in land_stream(con, s)]
    assert [r.status for r in results].count("skipped") == 1  # identical body: already loaded
    assert sum(r.records_landed for r in results) == len(json.loads(BODY))


def _signed(key, body: bytes, timestamp: int) -> dict:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    signature = key.sign(str(timestamp).encode() + body, ec.ECDSA(hashes.SHA256()))
    return {SIGNATURE_HEADER: base64.b64encode(signature).decode(), TIMESTAMP_HEADER: str(timestamp)}


def test_stale_signed_posts_replays_and_bad_lengths_are_refused(tmp_path):
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = ec.generate_private_key(ec.SECP256R1())
    public = base64.b64encode(key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).decode()
    now = time.time()
    server = make_server(tmp_path / "landing", public, tolerance_s=300, clock=lambda: now)
    serve_in_background(server)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    body = b'[{"email": "a@example.jp", "event": "open", "timestamp": 1, "sg_event_id": "e1"}]'
    try:
        assert post(url, body, _signed(key, body, int(now) - 3600)) == 403  # an hour old: a replay
        assert post(url, body, _signed(key, body, int(now) + 3600)) == 403  # from the future
        fresh = _signed(key, body, int(now) - 10)
        assert post(url, body, fresh) == 200
        assert post(url, body, fresh) == 200  # replayed inside the window: recognised
        assert raw_post(server, "POST / HTTP/1.1\r\nContent-Length: ten\r\n\r\n") == 400
        assert raw_post(server, "POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n") == 400
    finally:
        server.shutdown()
        server.server_close()
    assert len(list((tmp_path / "landing" / "engagement" / "sendgrid").glob("webhook_*.json"))) == 1


def raw_post(server, head: str) -> int:
    with socket.create_connection(server.server_address, timeout=5) as sock:
        sock.sendall(head.encode())
        status_line = sock.makefile("rb").readline().decode()
    return int(status_line.split()[1])
