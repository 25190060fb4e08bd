"""A local stand-in for SendGrid's v3 Mail Send API, strict where SendGrid is, for tests and benchmarks.

Every request is checked against the request-body schema of `../shared/reference/sendgrid/tsg_mail_v3.json`
(copied to tests/fixtures/sendgrid/; JSON Schema 2020-12, as the OpenAPI 3.1 file declares) and against the limits SendGrid documents beside it
(1000 personalizations and 1000 recipients per request, a recipient once per request, 10 unique categories
of at most 255 characters, custom_args at most 10,000 bytes, a boolean sandbox flag, a Bearer key). A valid
request gets 202 and an `X-Message-Id`, and each personalization is recorded as one delivered message; in
sandbox mode it gets 200 and nothing is recorded. An invalid one gets 400 with SendGrid's `errors` envelope.

It can fail on purpose, before it accepts anything: 429 with `X-RateLimit-*` and `Retry-After` headers,
500, a slow answer, or a dropped connection (the socket closed without a response). And once after: with
'accept-drop' it accepts the request (the messages count as delivered) and then closes the connection
without an answer, as when a network cut loses SendGrid's 202 on its way back. A `FailurePlan` says which,
for the next N requests or at random with a seed.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jsonschema

from tests.servers.sendgrid_api import SendGridApi

# a copy of ../shared/reference/sendgrid/tsg_mail_v3.json, so a clone on its own can run the tests
SPEC = Path(__file__).resolve().parent.parent / "fixtures" / "sendgrid" / "tsg_mail_v3.json"
API_KEY = "SG.test-key"
MAX_PERSONALIZATIONS = 1000
MAX_RECIPIENTS = 1000
MAX_CUSTOM_ARGS_BYTES = 10_000


def _request_schema() -> dict:
    spec = json.loads(SPEC.read_text())
    schema = spec["components"]["requestBodies"]["PostMailSend"]["content"]["application/json"]["schema"]
    # resolve "#/components/..." references against the whole document
    return {**schema, "components": spec["components"]}


_VALIDATOR = jsonschema.Draft202012Validator(
    _request_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


@dataclass
class Delivered:
    message_id: str
    email: str
    custom_args: dict
    template_id: str | None
    categories: list[str]
    body_index: int
    template_data: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)  # the personalization's headers over the message's


@dataclass
class FailurePlan:
    """What goes wrong. `script` is consumed first, one entry per request ('429', '500', 'slow', 'drop',
    'accept-drop', 'ok');
    then each request fails with `random_rate` probability, picking uniformly among `random_kinds`."""

    script: list[str] = field(default_factory=list)
    random_rate: float = 0.0
    random_kinds: tuple[str, ...] = ("429", "500", "drop", "slow")
    seed: int = 7
    slow_seconds: float = 2.0
    retry_after_seconds: int = 1

    def __post_init__(self):
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            if self.script:
                return self.script.pop(0)
            if self.random_rate and self._rng.random() < self.random_rate:
                return self._rng.choice(self.random_kinds)
            return "ok"


class MailSendServer:
    def __init__(
        self,
        plan: FailurePlan | None = None,
        api_key: str = API_KEY,
        port: int = 0,
        delay_s: float = 0.0,
        events_dir: Path | None = None,
    ):
        self.plan = plan or FailurePlan()
        self.delay_s = delay_s
        self.events_dir = events_dir  # where accepted messages' `processed` events go, as the Event Webhook would
        self.api_key = api_key
        self.delivered: list[Delivered] = []
        self.requests = 0
        self.rejected: list[tuple[int, list[dict]]] = []
        self.api = SendGridApi()  # suppressions, data erasure, templates (tests/servers/sendgrid_api.py)
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"owner": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def host(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> MailSendServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def accept(self, body: dict) -> str:
        message_id = secrets.token_urlsafe(16)[:22]
        with self._lock:
            index = self.requests
            for personalization in body["personalizations"]:
                for recipient in personalization["to"]:
                    self.delivered.append(
                        Delivered(
                            message_id=message_id,
                            email=recipient["email"],
                            custom_args={**_message_custom_args(body), **personalization.get("custom_args", {})},
                            template_id=body.get("template_id"),
                            categories=list(body.get("categories", [])),
                            body_index=index,
                            template_data=personalization.get("dynamic_template_data", {}),
                            headers={**(body.get("headers") or {}), **(personalization.get("headers") or {})},
                        )
                    )
            if self.events_dir is not None:
                self._write_processed_events(body, message_id, index)
        return message_id

    def _write_processed_events(self, body: dict, message_id: str, index: int) -> None:
        """One `processed` event per recipient, custom_args at the top level, as SendGrid's Event Webhook posts
        them; written before the 202 goes out, so a client that dies waiting still leaves the evidence."""
        now = int(time.time())
        events = [
            {
                "email": recipient["email"],
                "timestamp": now,
                "event": "processed",
                "sg_event_id": secrets.token_urlsafe(16),
                "sg_message_id": f"{message_id}.filter0001.{index}.{n}",
                "category": list(body.get("categories", [])),
                **_message_custom_args(body),
                **personalization.get("custom_args", {}),
            }
            for n, personalization in enumerate(body["personalizations"])
            for recipient in personalization["to"]
        ]
        self.events_dir.mkdir(parents=True, exist_ok=True)
        path = self.events_dir / f"processed_{now}_{index:06d}_{secrets.token_hex(4)}.json"
        path.write_text(json.dumps(events, ensure_ascii=False))


def _message_custom_args(body: dict) -> dict:
    value = body.get("custom_args")
    return value if isinstance(value, dict) else {}


def problems(body) -> list[dict]:
    """SendGrid-style errors for a request body: schema violations first, then the documented limits."""
    if not isinstance(body, dict):
        return [{"message": "Bad Request", "field": None}]
    errors = [
        {"message": error.message, "field": ".".join(str(p) for p in error.absolute_path) or None}
        for error in sorted(_VALIDATOR.iter_errors(body), key=lambda e: list(e.absolute_path))
    ]
    if errors:
        return errors
    personalizations = body.get("personalizations") or []
    if not personalizations:
        errors.append({"message": "You must have at least one personalization.", "field": "personalizations"})
    if len(personalizations) > MAX_PERSONALIZATIONS:
        errors.append(
            {
                "message": "The personalization block is limited to 1000 personalizations per API request.",
                "field": "personalizations",
            }
        )
    addresses = [r["email"].lower() for p in personalizations for kind in ("to", "cc", "bcc") for r in p.get(kind, [])]
    if len(addresses) > MAX_RECIPIENTS:
        errors.append(
            {
                "message": "There is a limit of 1000 total recipients (to + cc + bcc) per request.",
                "field": "personalizations",
            }
        )
    if len(set(addresses)) != len(addresses):
        errors.append(
            {
                "message": "Each email address in the personalization block should be unique between to, cc, "
                "and bcc. We found the first duplicate instance of [...] in the personalizations.0.to field.",
                "field": "personalizations",
            }
        )
    if any(not p.get("to") for p in personalizations):
        errors.append(
            {
                "message": "The to array is required for all personalization objects, and must have at "
                "least one email object with a valid email address.",
                "field": "personalizations.to",
            }
        )
    categories = body.get("categories") or []
    if len(categories) > 10 or len(set(categories)) != len(categories) or any(len(c) > 255 for c in categories):
        errors.append(
            {
                "message": "The categories parameter must be an array of at most 10 unique categories of at "
                "most 255 characters.",
                "field": "categories",
            }
        )
    for index, personalization in enumerate(personalizations):
        args = {**_message_custom_args(body), **personalization.get("custom_args", {})}
        if len(json.dumps(args).encode()) > MAX_CUSTOM_ARGS_BYTES:
            errors.append(
                {
                    "message": "The custom_args parameter must be less than 10,000 bytes.",
                    "field": f"personalizations.{index}.custom_args",
                }
            )
    if not body.get("template_id") and not body.get("content"):
        errors.append(
            {
                "message": "Unless a valid template_id is provided, the content parameter is required.",
                "field": "content",
            }
        )
    if body.get("template_id", "").startswith("d-") and any("substitutions" in p for p in personalizations):
        errors.append(
            {
                "message": "Substitutions are not supported with dynamic templates: use dynamic_template_data.",
                "field": "personalizations",
            }
        )
    return errors


class _Handler(BaseHTTPRequestHandler):
    owner: MailSendServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def _reply(self, status: int, payload: dict | None = None, headers: dict | None = None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {self.owner.api_key}":
            return True
        self._reply(
            401,
            {
                "errors": [
                    {"message": "The provided authorization grant is invalid, expired, or revoked", "field": None}
                ]
            },
        )
        return False

    def _api(self, method: str) -> None:
        """Every other v3 operation the project calls, matched against SendGrid's OpenAPI files."""
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if method in ("POST", "PATCH") else b""
        if not self._authorised():
            return None
        outcome = self.owner.plan.next()
        if outcome == "429":
            return self._reply(
                429,
                {"errors": [{"field": None, "message": "too many requests"}]},
                {"Retry-After": str(self.owner.plan.retry_after_seconds)},
            )
        if outcome == "500":
            return self._reply(500, {"errors": [{"message": "internal server error", "field": None}]})
        status, payload = self.owner.api.handle(method, self.path, raw)
        return self._reply(status, payload)

    def do_PATCH(self) -> None:
        self._api("PATCH")

    def do_DELETE(self) -> None:
        self._api("DELETE")

    def do_GET(self) -> None:
        """GET /_delivered: what this server accepted, for checks from outside (`python -m tests.servers.sendgrid_server`)."""
        if self.path != "/_delivered":
            return self._api("GET")
        with self.owner._lock:
            keys = Counter(
                (d.custom_args.get("candidate_id"), d.custom_args.get("campaign_id"), d.custom_args.get("step"))
                for d in self.owner.delivered
            )
            requests = self.owner.requests
        self._reply(
            200,
            {
                "messages": sum(keys.values()),
                "distinct": len(keys),
                "requests": requests,
                "received_more_than_once": [list(k) for k, n in keys.items() if n > 1],
            },
        )

    def do_POST(self) -> None:
        if self.path != "/v3/mail/send":
            return self._api("POST")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if not self._authorised():
            return None
        time.sleep(self.owner.delay_s)
        outcome = self.owner.plan.next()
        if outcome == "429":
            reset = int(time.time()) + self.owner.plan.retry_after_seconds
            return self._reply(
                429,
                {"errors": [{"field": None, "message": "too many requests"}]},
                {
                    "X-RateLimit-Limit": "600",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": str(reset),
                    "Retry-After": str(self.owner.plan.retry_after_seconds),
                },
            )
        if outcome == "500":
            return self._reply(500, {"errors": [{"message": "internal server error", "field": None}]})
        if outcome == "drop":
            self.close_connection = True
            self.connection.close()
            return None
        if outcome == "slow":
            time.sleep(self.owner.plan.slow_seconds)
        try:
            body = json.loads(raw)
        except ValueError:
            return self._reply(400, {"errors": [{"message": "Bad Request", "field": None}]})
        errors = problems(body)
        if errors:
            with self.owner._lock:
                self.owner.rejected.append((400, errors))
                self.owner.requests += 1
            return self._reply(400, {"errors": errors})
        sandbox = (body.get("mail_settings") or {}).get("sandbox_mode", {}).get("enable")
        if sandbox is True:
            return self._reply(200)
        message_id = self.owner.accept(body)
        with self.owner._lock:
            self.owner.requests += 1
        if outcome == "accept-drop":  # accepted, but the answer never reaches the client
            self.close_connection = True
            self.connection.close()
            return None
        return self._reply(202, None, {"X-Message-Id": message_id})


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted, e.g. for `python -m flows.pipeline --send-mode sendgrid` from outside a test:

    python -m tests.servers.sendgrid_server --port 8025 --fail-rate 0.3 --slow-seconds 1
    SENDGRID_API_KEY=SG.test-key SENDGRID_API_URL=http://127.0.0.1:8025 python -m flows.pipeline --send-mode sendgrid
    curl http://127.0.0.1:8025/_delivered
    """
    parser = argparse.ArgumentParser(
        prog="python -m tests.servers.sendgrid_server",
        description=main.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument(
        "--fail-rate", type=float, default=0.0, help="share of requests that fail (429, 500, drop, slow)"
    )
    parser.add_argument("--slow-seconds", type=float, default=0.0, help="every request takes at least this long")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--events-dir",
        type=Path,
        default=None,
        help="write `processed` events of accepted messages here (e.g. <landing>/engagement/sendgrid)",
    )
    args = parser.parse_args(argv)
    plan = FailurePlan(
        random_rate=args.fail_rate, random_kinds=("429", "500", "drop"), retry_after_seconds=1, seed=args.seed
    )
    server = MailSendServer(plan, port=args.port, delay_s=args.slow_seconds, events_dir=args.events_dir)
    print(
        f"SendGrid test server on http://127.0.0.1:{args.port} (key {API_KEY}); GET /_delivered for counts", flush=True
    )
    try:
        server._httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
