"""Greenhouse Harvest API: pull candidates, applications and scorecards into landing files.

Each page the API returns is saved unchanged as a JSON file under `<landing>/ats/greenhouse/api/`, and
then lands like any export file (one audited load per page). So an API pull leaves the same trail as a
file drop, and a pull can be replayed from its files.

Incremental: the cursor (`updated_after`) lives in the warehouse (`audit.cursors`); each pull asks for
records updated since the last successful pull minus a look-back, so late updates are not missed. Pages
follow the `Link` header only (never built by hand); `429` waits for `Retry-After`; 5xx, timeouts and
dropped connections retry with backoff; a rejected key stops with a message that names the setting.

The key goes to the configured host only (`GREENHOUSE_API_URL`): a `next` link to another host, or back to a
page already fetched, stops the pull with a message saying so, before anything is sent there; the cursor
does not move, and the pages saved so far land as usual.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson

from connectors.common.http import Backoff

ENDPOINTS = ("candidates", "applications", "scorecards")


class GreenhouseError(RuntimeError):
    pass


@dataclass(frozen=True)
class GreenhouseSettings:
    api_key: str | None = field(default_factory=lambda: os.environ.get("GREENHOUSE_API_KEY") or None)
    base_url: str = field(default_factory=lambda: os.environ.get("GREENHOUSE_API_URL", "https://harvest.greenhouse.io"))
    per_page: int = 500  # the documented maximum
    timeout_s: float = 30.0
    lookback: timedelta = timedelta(minutes=15)
    max_attempts: int = 6
    backoff: Backoff = Backoff(base_s=1.0, cap_s=60.0, jitter=(0.5, 1.0))
    max_wait_s: float = 300.0  # the longest Retry-After we honour


def _next_link(response: httpx.Response) -> str | None:
    return (response.links.get("next") or {}).get("url")


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host.lower(), url.port or default


class HarvestClient:
    def __init__(self, settings: GreenhouseSettings, sleep=time.sleep):
        if not settings.api_key:
            raise GreenhouseError(
                "GREENHOUSE_API_KEY is not set: export the Harvest API key (Basic auth user name) "
                "or drop export files in <landing>/ats/greenhouse/ instead"
            )
        self.settings = settings
        self._sleep = sleep
        self._base = httpx.URL(settings.base_url.rstrip("/") + "/")
        # no client-wide auth: _get adds the key to each request after checking where it goes
        self._http = httpx.Client(
            base_url=settings.base_url.rstrip("/"),
            timeout=settings.timeout_s,
            headers={"Accept": "application/json"},
            follow_redirects=False,
        )
        self._auth = httpx.BasicAuth(settings.api_key, "")

    def close(self) -> None:
        self._http.close()

    def pages(self, endpoint: str, updated_after: datetime | None):
        """Yield (page number, response body bytes) for every page of an endpoint."""
        params: dict | None = {"per_page": self.settings.per_page}
        if updated_after is not None:
            params["updated_after"] = updated_after.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        url: str | None = f"/v1/{endpoint}"
        number = 0
        fetched: set[str] = set()
        while url:
            response = self._get(url, params)
            number += 1
            fetched.add(str(response.request.url))
            yield number, response.content
            url, params = _next_link(response), None  # the next link carries every parameter
            if url is not None:
                self._check_next(endpoint, number, url, fetched)

    def _check_next(self, endpoint: str, number: int, url: str, fetched: set[str]) -> None:
        """A next link must stay on the configured host and lead somewhere new, or the pull stops."""
        target = self._base.join(url)
        if _origin(target) != _origin(self._base):
            raise GreenhouseError(
                f"Greenhouse's next link after page {number} of /v1/{endpoint} points to another host "
                f"({target.scheme}://{target.host}{':' + str(target.port) if target.port else ''}), not "
                f"{self._base.scheme}://{self._base.host}: the pull stopped without sending the API key there and the "
                "cursor did not move. Check GREENHOUSE_API_URL, or whatever sits between us and Greenhouse"
            )
        if str(target) in fetched:
            raise GreenhouseError(
                f"Greenhouse's next link after page {number} of /v1/{endpoint} leads back to a page already fetched: "
                "the pull stopped instead of going round in circles and the cursor did not move; the pages saved "
                "so far land as usual. Run again later, or report it to Greenhouse if it stays"
            )

    def _get(self, url: str, params: dict | None) -> httpx.Response:
        for attempt in range(1, self.settings.max_attempts + 1):
            if _origin(self._base.join(url)) != _origin(self._base):  # the key goes nowhere else
                raise GreenhouseError(f"refusing to send the Greenhouse API key to {self._base.join(url).host}")
            try:
                response = self._http.get(url, params=params, auth=self._auth)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                if attempt == self.settings.max_attempts:
                    raise GreenhouseError(f"Greenhouse did not answer {url} after {attempt} attempts: {exc}") from exc
                self._sleep(self._backoff(attempt))
                continue
            if response.status_code == 200:
                return response
            if response.status_code in (401, 403):
                raise GreenhouseError(
                    f"Greenhouse refused the API key ({response.status_code}) for {url}: check "
                    "GREENHOUSE_API_KEY and that the key may read candidates, applications and scorecards"
                )
            if response.status_code == 429 and attempt < self.settings.max_attempts:
                self._sleep(self.settings.backoff.wait_for(response.headers, attempt, self.settings.max_wait_s))
                continue
            if response.status_code >= 500 and attempt < self.settings.max_attempts:
                self._sleep(self._backoff(attempt))
                continue
            raise GreenhouseError(f"Greenhouse answered {response.status_code} for {url}: {response.text[:200]}")
        raise GreenhouseError(f"Greenhouse kept answering 429/5xx for {url}")

    def _backoff(self, attempt: int) -> float:
        return self.settings.backoff.delay(attempt)


def pull(con, landing: Path, settings: GreenhouseSettings | None = None, sleep=time.sleep) -> list[Path]:
    """Save every page updated since the cursor (minus the look-back) to the landing folder; move the
    cursor only after every endpoint was pulled completely. Returns the files written."""
    settings = settings or GreenhouseSettings()
    client = HarvestClient(settings, sleep)
    folder = landing / "ats" / "greenhouse" / "api"
    folder.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%dT%H%M%S")
    written: list[Path] = []
    try:
        for endpoint in ENDPOINTS:
            stream = f"greenhouse_api_{endpoint}"
            row = con.execute("select cursor_value from audit.cursors where stream = ?", [stream]).fetchone()
            since = row[0].replace(tzinfo=UTC) - settings.lookback if row else None
            for number, body in client.pages(endpoint, since):
                if orjson.loads(body) == []:
                    continue
                path = folder / f"{endpoint}_{stamp}_p{number:04d}.json"
                path.write_bytes(body)
                written.append(path)
        for endpoint in ENDPOINTS:
            con.execute(
                "insert or replace into audit.cursors values (?, ?, ?)",
                [f"greenhouse_api_{endpoint}", started.replace(tzinfo=None), datetime.now(UTC).replace(tzinfo=None)],
            )
    finally:
        client.close()
    return written
