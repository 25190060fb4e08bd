"""Settings of the Career Relay sink. Defaults are for the demo: no API configured, so referrals are
exported as CSV files for the operator to upload. Production values come from environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from connectors.common.http import Backoff


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name) or default


@dataclass(frozen=True)
class CareerRelaySettings:
    company_id: str = field(default_factory=lambda: _env("CAREER_RELAY_COMPANY_ID", "demo-company"))
    # the personal link in every rejection mail is link_base + the tracking token
    link_base: str = field(default_factory=lambda: _env("CAREER_RELAY_LINK_BASE", "https://career-relay.example/r/"))
    # tokens are an HMAC of the company and the rejection under this key, so nobody can forge one or read
    # an application id out of one; the demo value is not a secret and must be replaced in production
    token_secret: str = field(default_factory=lambda: _env("CAREER_RELAY_TOKEN_SECRET", "demo-token-secret"))
    api_url: str | None = field(default_factory=lambda: _env("CAREER_RELAY_API_URL"))
    api_key: str | None = field(default_factory=lambda: _env("CAREER_RELAY_API_KEY"))
    timeout_s: float = field(default_factory=lambda: float(_env("CAREER_RELAY_TIMEOUT_SECONDS", "30")))
    batch_size: int = 200
    attempts: int = 5
    backoff: Backoff = Backoff(base_s=1.0, cap_s=60.0, jitter=(0.5, 1.0))
    retention_years: int = 3  # APPI: records of third-party provision are kept at least 3 years
