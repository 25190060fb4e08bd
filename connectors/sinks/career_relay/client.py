"""Posting one batch of referrals to the Career Relay API with httpx.

The API takes an `Idempotency-Key` header: a batch posted again under the same key is answered from the
first time and not registered twice. So, unlike mail, a request without an answer (a timeout, a dropped
connection) is simply posted again under its key, now or in the next run.

- 201/200: accepted. 400: refused (the body is wrong; reported, not retried). 401/403: the key is wrong.
- 429: wait for `Retry-After`. 5xx, timeouts, refused or dropped connections: back off with jitter.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import httpx

from .settings import CareerRelaySettings


class CareerRelayKeyRefused(RuntimeError):
    pass


class CareerRelayUnavailable(RuntimeError):
    pass


@dataclass
class Refused:
    errors: list


def post_referrals(
    client: httpx.Client,
    body: dict,
    idempotency_key: str,
    settings: CareerRelaySettings,
    sleep=time.sleep,
    rng: random.Random | None = None,
) -> Refused | None:
    """None when Career Relay has the batch; Refused when it rejects the body; raises when it cannot be reached."""
    rng = rng or random.Random()
    last = "no attempt"
    for attempt in range(settings.attempts):
        try:
            response = client.post("/v1/referrals", json=body, headers={"Idempotency-Key": idempotency_key})
        except httpx.TransportError as problem:  # timeout, refused, dropped: safe to post again under the key
            last = type(problem).__name__
        else:
            if response.status_code in (200, 201):
                return None
            if response.status_code == 400:
                return Refused(response.json().get("errors", []) if response.content else [])
            if response.status_code in (401, 403):
                raise CareerRelayKeyRefused(
                    f"Career Relay refused the API key (HTTP {response.status_code}): set CAREER_RELAY_API_KEY to "
                    "the key from the operator, or unset CAREER_RELAY_API_URL to export CSV files instead"
                )
            last = f"HTTP {response.status_code}"
            if response.status_code == 429:
                sleep(settings.backoff.wait_for(response.headers, attempt + 1, settings.backoff.cap_s, rng))
                continue
        sleep(settings.backoff.delay(attempt + 1, rng))
    raise CareerRelayUnavailable(
        f"Career Relay at {settings.api_url} did not take the referrals after {settings.attempts} attempts "
        f"(last: {last}); they stay pending and the next run posts them again under the same key"
    )


def make_client(settings: CareerRelaySettings) -> httpx.Client:
    if not settings.api_key:
        raise CareerRelayKeyRefused(
            "CAREER_RELAY_API_URL is set but CAREER_RELAY_API_KEY is not: set the key "
            "from the operator, or unset CAREER_RELAY_API_URL to export CSV files"
        )
    return httpx.Client(
        base_url=settings.api_url.rstrip("/"),
        timeout=settings.timeout_s,
        headers={"Authorization": f"Bearer {settings.api_key}"},
    )
