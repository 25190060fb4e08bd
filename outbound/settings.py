"""Outbound policy: how many recipients go in one request and how often one person may be mailed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NurtureSettings:
    batch_size: int = 1000  # SendGrid's limit: 1000 personalizations per request
    frequency_cap_days: int = 14  # at most one nurture mail per person in this many days, across campaigns
