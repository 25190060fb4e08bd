"""A local Greenhouse Harvest API for tests: the documented object shapes, paging by Link header,
per_page, updated_after, Basic auth, and failures on purpose (429 with Retry-After, 500, a dropped
connection, a slow answer)."""

from __future__ import annotations

import base64
import copy
import json
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "greenhouse"
API_KEY = "test-harvest-key"


def make_objects(count: int, start: datetime) -> dict[str, list[dict]]:
    candidate = json.loads((FIXTURES / "harvest_candidate_object.json").read_text())
    application = json.loads((FIXTURES / "harvest_application_object.json").read_text())
    scorecard = json.loads((FIXTURES / "harvest_scorecard_object.json").read_text())
    candidates, applications, scorecards = [], [], []
    for i in range(count):
        updated = (start + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        c = copy.deepcopy(candidate)
        c.update(
            id=1000 + i,
            updated_at=updated,
            first_name=f"Given{i}",
            last_name=f"Family{i}",
            email_addresses=[{"value": f"person{i}@example.com", "type": "personal"}],
            application_ids=[5000 + i],
        )
        a = copy.deepcopy(application)
        a.update(id=5000 + i, candidate_id=1000 + i, last_activity_at=updated)
        s = copy.deepcopy(scorecard)
        s.update(id=8000 + i, candidate_id=1000 + i, application_id=5000 + i, updated_at=updated)
        candidates.append(c)
        applications.append(a)
        scorecards.append(s)
    return {"candidates": candidates, "applications": applications, "scorecards": scorecards}


class HarvestServer:
    def __init__(self, objects: dict[str, list[dict]]):
        self.objects = objects
        self.failures: list[str] = []  # consumed one per request: "429", "500", "drop", "slow", "ok"
        self.requests: list[tuple[str, dict]] = []
        self.authorizations: list[str | None] = []  # the Authorization header of each request
        self.next_base: str | None = None  # a Link header to another host (a hostile or misconfigured server)
        self.next_page_override: tuple[int, int] | None = None  # (page, next): a Link header back (a loop)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        parsed = urlparse(request.path)
        params = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        self.requests.append((parsed.path, params))
        self.authorizations.append(request.headers.get("Authorization"))
        failure = self.failures.pop(0) if self.failures else "ok"
        if failure == "drop":
            request.connection.close()
            return
        if failure == "slow":
            time.sleep(1.5)
        if failure == "429":
            return self._send(
                request,
                429,
                {"message": "rate limited"},
                {"Retry-After": "1", "X-RateLimit-Limit": "50", "X-RateLimit-Remaining": "0"},
            )
        if failure == "500":
            return self._send(request, 500, {"message": "boom"})
        expected = "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return self._send(request, 401, {"message": "Invalid Basic Auth credentials"})
        endpoint = parsed.path.removeprefix("/v1/")
        if endpoint not in self.objects:
            return self._send(request, 404, {"message": "not found"})
        per_page = min(int(params.get("per_page", 100)), 500)
        page = int(params.get("page", 1))
        items = self.objects[endpoint]
        if "updated_after" in params:
            field = "last_activity_at" if endpoint == "applications" else "updated_at"
            items = [o for o in items if o[field] > params["updated_after"]]
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            following = page + 1
            if self.next_page_override is not None and self.next_page_override[0] == page:
                following = self.next_page_override[1]
            query = {**params, "page": following, "per_page": per_page}
            headers["Link"] = f'<{self.next_base or self.url}{parsed.path}?{urlencode(query)}>; rel="next"'
        self._send(request, 200, chunk, headers)

    @staticmethod
    def _send(request, status: int, body, headers: dict | None = None) -> None:
        payload = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(payload)))
        for key, value in (headers or {}).items():
            request.send_header(key, value)
        request.end_headers()
        try:
            request.wfile.write(payload)
        except BrokenPipeError:
            pass
