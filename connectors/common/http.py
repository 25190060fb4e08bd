"""What every HTTP client here does the same way: read how long a server asked us to wait, and back off
with jitter when it failed without saying.

Used by the Greenhouse Harvest client (httpx), the Career Relay client (httpx) and the SendGrid client
(the official SDK over urllib), so a `Retry-After` in either of its RFC 9110 forms is understood everywhere.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` value: delay-seconds ("120") or an HTTP-date
    ("Wed, 21 Oct 2026 07:28:00 GMT"). None when the header is absent or unreadable; never negative."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def rate_limit_reset_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds until an `X-RateLimit-Reset` epoch (SendGrid's form); None when absent or unreadable."""
    try:
        return max(0.0, float(str(value)) - (time.time() if now is None else now)) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Backoff:
    """Exponential back-off with jitter: base * 2^(attempt-1), at most `cap`, times a factor in [low, high)."""

    base_s: float = 0.5
    cap_s: float = 30.0
    jitter: tuple[float, float] = (0.5, 1.5)

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        low, high = self.jitter
        return min(self.cap_s, self.base_s * 2 ** max(0, attempt - 1)) * (rng or random).uniform(low, high)

    def wait_for(
        self, headers: Mapping[str, str] | None, attempt: int, max_wait_s: float, rng: random.Random | None = None
    ) -> float:
        """How long to wait before trying again after a 429 or 503: what the server asked for (capped at
        `max_wait_s`), else the back-off for this attempt."""
        headers = headers or {}
        asked = retry_after_seconds(headers.get("Retry-After"))
        if asked is None:
            asked = rate_limit_reset_seconds(headers.get("X-RateLimit-Reset"))
        return min(asked, max_wait_s) if asked is not None else self.delay(attempt, rng)
