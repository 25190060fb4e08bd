"""The personal Career Relay link in each rejection mail: one tracking token per candidate, company and
rejection, so the operator's registration report can be counted back to us."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

import pyarrow as pa

from connectors.sinks.career_relay.settings import CareerRelaySettings


def tracking_token(secret: str, company_id: str, application_key: str) -> str:
    """24 lower-case base32 characters; the same rejection always gets the same token, so a link written
    again after a crash is the same link."""
    digest = hmac.new(secret.encode(), f"{company_id}\n{application_key}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:15]).decode().lower()


def links_table(rows: list[dict], company_id: str, channel: str, batch_id: str, issued_at: datetime) -> pa.Table:
    """Rows of `outbox.relay_links` for the issued tokens; rows carry tracking_token, candidate_id and the
    application key (as `application_key` or, in the send ledger, `step`)."""
    n = len(rows)
    return pa.table(
        {
            "tracking_token": [r["tracking_token"] for r in rows],
            "company_id": [company_id] * n,
            "candidate_id": [r["candidate_id"] for r in rows],
            "application_key": [r.get("application_key", r.get("step")) for r in rows],
            "channel": [channel] * n,
            "batch_id": [batch_id] * n,
            "issued_at": pa.array([issued_at] * n, pa.timestamp("us")),
        }
    )


def relay_link(settings: CareerRelaySettings, token: str) -> str:
    return f"{settings.link_base}{token}?company={settings.company_id}"
