"""A small HTTP receiver for SendGrid's Event Webhook: verifies the signature, then saves each POST body
as a file in the landing folder, where the sendgrid_events stream lands it (and de-duplicates events by
sg_event_id, since SendGrid retries). It also takes Inbound Parse posts (replies to our mail) on
`/inbound-parse/<SENDGRID_INBOUND_PARSE_TOKEN>` and saves each as a reply record
(connectors/sources/sendgrid_replies).

    SENDGRID_WEBHOOK_PUBLIC_KEY=... SENDGRID_INBOUND_PARSE_TOKEN=... \
        python -m connectors.sources.sendgrid_events.receiver --landing DIR --port 8025

Signature (SendGrid's signed webhook): ECDSA P-256 with SHA-256 over the `X-Twilio-Email-Event-Webhook-
Timestamp` header value followed by the raw body; the `X-Twilio-Email-Event-Webhook-Signature` header is the
base64 DER signature; the public key is the base64 SubjectPublicKeyInfo SendGrid shows in its settings.
Without a public key configured the receiver refuses to start unless --insecure-no-signature is given.

Replays: a signed post whose timestamp is more than SENDGRID_WEBHOOK_TOLERANCE_SECONDS (300) away from now
is refused (403), and a signed post seen before within that window is answered 200 without being saved
again. Each connection has a socket timeout (a client that stops sending is cut off), and a missing,
negative or non-numeric Content-Length is answered 400.
"""

from __future__ import annotations

import argparse
import base64
import hmac
import os
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from connectors.sources.sendgrid_replies.parse import NotInboundParse, reply_record

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
MAX_BODY_BYTES = 32 * 2**20
SOCKET_TIMEOUT_S = 15
DEFAULT_TOLERANCE_S = 300


def verify_signature(public_key_b64: str, payload: bytes, signature_b64: str, timestamp: str) -> bool:
    try:
        key = load_der_public_key(base64.b64decode(public_key_b64))
        key.verify(base64.b64decode(signature_b64), timestamp.encode("utf-8") + payload, ec.ECDSA(hashes.SHA256()))
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False


INBOUND_PATH = "/inbound-parse/"


def _save(folder: Path, prefix: str, body: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{prefix}_{time.strftime('%Y%m%dT%H%M%S')}_{uuid.uuid4().hex[:8]}.json"
    partial = folder / (name + ".partial")
    partial.write_bytes(body)
    partial.rename(folder / name)  # the loader never sees half a file


class _RecentSignatures:
    """Signatures of the signed posts saved within the tolerance window: a replay inside the window is
    recognised (older ones are refused by their timestamp anyway)."""

    def __init__(self, window_s: float):
        self.window_s = window_s
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_time(self, signature: str, now: float) -> bool:
        with self._lock:
            self._seen = {s: t for s, t in self._seen.items() if now - t <= 2 * self.window_s}
            if signature in self._seen:
                return False
            self._seen[signature] = now
            return True


def _timestamp_problem(timestamp: str, now: float, tolerance_s: float) -> str | None:
    try:
        sent = float(timestamp)
    except ValueError:
        return "timestamp header is not a number"
    if abs(now - sent) > tolerance_s:
        return f"timestamp outside the {tolerance_s:g} s tolerance (a replay, or a clock far off)"
    return None


def make_server(
    landing: Path,
    public_key: str | None,
    host: str = "127.0.0.1",
    port: int = 0,
    inbound_token: str | None = None,
    tolerance_s: float | None = None,
    clock=time.time,
) -> ThreadingHTTPServer:
    folder = landing / "engagement" / "sendgrid"
    folder.mkdir(parents=True, exist_ok=True)
    replies = landing / "engagement" / "replies"
    if tolerance_s is None:
        tolerance_s = float(os.environ.get("SENDGRID_WEBHOOK_TOLERANCE_SECONDS", DEFAULT_TOLERANCE_S))
    recent = _RecentSignatures(tolerance_s)

    class Handler(BaseHTTPRequestHandler):
        timeout = SOCKET_TIMEOUT_S  # applied to each connection's socket by the base class

        def log_message(self, *args):  # request lines carry no personal data, but keep the console quiet
            pass

        def do_POST(self):
            declared = (self.headers.get("Content-Length") or "").strip()
            if not declared.isdigit() or int(declared) == 0:
                return self._answer(400, "Content-Length missing or not a positive number")
            length = int(declared)
            if length > MAX_BODY_BYTES:
                return self._answer(413, "body too large")
            body = self.rfile.read(length)
            if len(body) != length:
                return self._answer(400, "body shorter than its Content-Length")
            if self.path.startswith(INBOUND_PATH):
                return self._inbound(self.path.removeprefix(INBOUND_PATH), body)
            if public_key is not None:
                signature, timestamp = self.headers.get(SIGNATURE_HEADER), self.headers.get(TIMESTAMP_HEADER)
                if not signature or not timestamp or not verify_signature(public_key, body, signature, timestamp):
                    return self._answer(403, "signature missing or invalid")
                if problem := _timestamp_problem(timestamp, clock(), tolerance_s):
                    return self._answer(403, problem)
                if not recent.first_time(signature, clock()):
                    return self._answer(200, "duplicate: already saved")
            try:
                events = orjson.loads(body)
            except orjson.JSONDecodeError:
                return self._answer(400, "body is not JSON")
            if not isinstance(events, list):
                return self._answer(400, "body is not a JSON array of events")
            _save(folder, "webhook", body)
            self._answer(200, "ok")

        def _inbound(self, token: str, body: bytes) -> None:
            # Inbound Parse is not signed: the secret is in the URL configured at SendGrid
            if not inbound_token or not hmac.compare_digest(token.encode(), inbound_token.encode()):
                return self._answer(404, "not found")
            try:
                record = reply_record(self.headers.get("Content-Type", ""), body, datetime.now(UTC))
            except NotInboundParse as exc:
                return self._answer(400, str(exc))
            _save(replies, "reply", orjson.dumps([record]))
            self._answer(200, "ok")

        def _answer(self, status: int, text: str) -> None:
            payload = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return ThreadingHTTPServer((host, port), Handler)


def serve_in_background(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--insecure-no-signature", action="store_true", help="accept unsigned posts (testing only)")
    args = parser.parse_args(argv)
    public_key = os.environ.get("SENDGRID_WEBHOOK_PUBLIC_KEY")
    if not public_key and not args.insecure_no_signature:
        print(
            "error: SENDGRID_WEBHOOK_PUBLIC_KEY is not set: copy the verification key from SendGrid's "
            "Mail Settings > Signed Event Webhook, or pass --insecure-no-signature for a local test",
            file=sys.stderr,
        )
        return 2
    inbound_token = os.environ.get("SENDGRID_INBOUND_PARSE_TOKEN") or None
    server = make_server(args.landing, public_key, args.host, args.port, inbound_token)
    print(
        f"receiving SendGrid events on http://{args.host}:{server.server_address[1]}/ into {args.landing}"
        + ("" if inbound_token else " (Inbound Parse off: SENDGRID_INBOUND_PARSE_TOKEN is not set)")
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
