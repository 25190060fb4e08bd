"""The personal Career Relay link in each rejection mail: one tracking token per candidate, company and
rejection, so the operator's registration report can be counted back to us."""

from __future__ import annotations

import base64
import hashlib
import hmac

from .settings import CareerRelaySettings


def tracking_token(secret: str, company_id: str, application_key: str) -> str:
    """24 lower-case base32 characters; the same rejection always gets the same token, so a link written
    again after a crash is the same link."""
    digest = hmac.new(secret.encode(), f"{company_id}\n{application_key}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:15]).decode().lower()


def relay_link(settings: CareerRelaySettings, token: str) -> str:
    return f"{settings.link_base}{token}?company={settings.company_id}"
