"""Retry-After in both of its forms, and the back-off every client shares."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from hypothesis import given
from hypothesis import strategies as st

from connectors.common.http import Backoff, rate_limit_reset_seconds, retry_after_seconds

NOW = datetime(2026, 11, 30, 12, 0, 0, tzinfo=UTC)


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds(" 0 ") == 0.0
    later = format_datetime(NOW + timedelta(seconds=90), usegmt=True)  # "Mon, 30 Nov 2026 12:01:30 GMT"
    assert retry_after_seconds(later, now=NOW.timestamp()) == 90.0
    earlier = format_datetime(NOW - timedelta(seconds=90), usegmt=True)
    assert retry_after_seconds(earlier, now=NOW.timestamp()) == 0.0  # a date in the past: go now
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("") is None
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("-5") == 0.0


@given(st.text(max_size=40))
def test_retry_after_never_raises_and_is_never_negative(value):
    seconds = retry_after_seconds(value, now=NOW.timestamp())
    assert seconds is None or seconds >= 0


def test_wait_for_prefers_what_the_server_asked_and_caps_it():
    backoff = Backoff(base_s=1.0, cap_s=8.0, jitter=(1.0, 1.0))
    rng = random.Random(1)
    assert backoff.wait_for({"Retry-After": "3"}, attempt=1, max_wait_s=60, rng=rng) == 3.0
    assert backoff.wait_for({"Retry-After": "600"}, attempt=1, max_wait_s=60, rng=rng) == 60.0
    assert backoff.wait_for({}, attempt=3, max_wait_s=60, rng=rng) == 4.0  # 1 * 2^2, no header
    assert backoff.delay(10) == 8.0  # capped
    reset = str(int(NOW.timestamp()) + 30)
    assert rate_limit_reset_seconds(reset, now=NOW.timestamp()) == 30.0
