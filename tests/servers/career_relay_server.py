"""A local stand-in for the Career Relay referral API (`connectors/sinks/career_relay/README.md`), for tests.

POST /v1/referrals with `Authorization: Bearer <key>` and an `Idempotency-Key` header: a body with
`company_id` and 1-500 `referrals`, each with a tracking token, a consent reference and only the allowed
data items. 201 on first sight of a key, 200 with the same answer when the key comes again; every
referral of an accepted batch is recorded once per key, so a client that re-posts under a new key shows
up as a duplicate. 400 for a bad body, 401 for a bad key.

Failure modes, chosen per request like the SendGrid test server: 429 (with Retry-After), 500, 'slow',
'drop' (closed before processing) and 'drop_after' (processed, then closed without an answer: the
client cannot know it was registered).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.servers.sendgrid_server import FailurePlan

API_KEY = "cr-test-key"
ALLOWED = {
    "tracking_token",
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "email",
    "phone",
    "prefecture",
    "desired_job_type",
    "years_experience",
    "skills",
    "consent_reference",
}


@dataclass
class Registered:
    company_id: str
    idempotency_key: str
    referral: dict


@dataclass
class CareerRelayServer:
    plan: FailurePlan = field(default_factory=FailurePlan)
    api_key: str = API_KEY
    registered: list[Registered] = field(default_factory=list)
    requests: int = 0
    rate_limited: int = 0  # 429s answered; every second one carries its Retry-After as an HTTP-date

    def __post_init__(self):
        self._answers: dict[str, tuple[int, dict]] = {}
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"owner": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> CareerRelayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def register(self, key: str, body: dict) -> tuple[int, dict]:
        with self._lock:
            if key in self._answers:
                status, answer = self._answers[key]
                return 200, answer
            for referral in body["referrals"]:
                self.registered.append(Registered(body["company_id"], key, referral))
            answer = {"accepted": len(body["referrals"])}
            self._answers[key] = (201, answer)
            return 201, answer


def problems(body) -> list[str]:
    if not isinstance(body, dict) or not isinstance(body.get("company_id"), str):
        return ["company_id is required"]
    referrals = body.get("referrals")
    if not isinstance(referrals, list) or not 1 <= len(referrals) <= 500:
        return ["referrals must hold 1 to 500 items"]
    found = []
    for i, referral in enumerate(referrals):
        if not referral.get("tracking_token"):
            found.append(f"referrals[{i}].tracking_token is required")
        if not referral.get("consent_reference"):
            found.append(f"referrals[{i}].consent_reference is required")
        if set(referral) - ALLOWED:
            found.append(f"referrals[{i}] has fields that may not be provided: {sorted(set(referral) - ALLOWED)}")
    return found


class _Handler(BaseHTTPRequestHandler):
    owner: CareerRelayServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def _reply(self, status: int, payload: dict, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        self.close_connection = True
        self.connection.close()

    def do_POST(self) -> None:
        body_bytes = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.owner._lock:
            self.owner.requests += 1
        if self.path != "/v1/referrals":
            return self._reply(404, {"errors": [{"message": "not found"}]})
        if self.headers.get("Authorization") != f"Bearer {self.owner.api_key}":
            return self._reply(401, {"errors": [{"message": "bad key"}]})
        key = self.headers.get("Idempotency-Key")
        if not key:
            return self._reply(400, {"errors": [{"message": "Idempotency-Key header is required"}]})
        failure = self.owner.plan.next()
        if failure == "429":
            # both forms RFC 9110 allows: delay-seconds, and an HTTP-date (now, so the client goes at once)
            with self.owner._lock:
                self.owner.rate_limited += 1
                dated = self.owner.rate_limited % 2 == 0
            retry_after = formatdate(usegmt=True) if dated else "0"
            return self._reply(429, {"errors": [{"message": "slow down"}]}, {"Retry-After": retry_after})
        if failure == "500":
            return self._reply(500, {"errors": [{"message": "internal error"}]})
        if failure == "drop":
            return self._drop()
        if failure == "slow":
            import time

            time.sleep(self.owner.plan.slow_seconds)
        try:
            body = json.loads(body_bytes)
        except ValueError:
            return self._reply(400, {"errors": [{"message": "body is not JSON"}]})
        if found := problems(body):
            return self._reply(400, {"errors": [{"message": m} for m in found]})
        status, answer = self.owner.register(key, body)
        if failure == "drop_after":
            return self._drop()
        self._reply(status, answer)
