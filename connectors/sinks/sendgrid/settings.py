"""Settings of the SendGrid sink. Defaults are for the demo (outbox mode); production values come from
environment variables, so no credential or address is ever committed."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from connectors.common.http import Backoff

DEFAULT_API_URL = "https://api.sendgrid.com"


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


@dataclass(frozen=True)
class SenderSettings:
    # Japan's Act on Specified Electronic Mail: every marketing mail names the sender, gives a postal
    # address and a working unsubscribe. The template receives these as dynamic data.
    from_email: str = field(default_factory=lambda: _env("CRM_SENDER_EMAIL", "recruiting@example.co.jp"))
    from_name: str = field(default_factory=lambda: _env("CRM_SENDER_NAME", "株式会社サンプル技研 採用チーム"))
    postal_address: str = field(
        default_factory=lambda: _env("CRM_SENDER_ADDRESS", "〒150-0002 東京都渋谷区渋谷2-1-1 サンプルビル 5F")
    )
    unsubscribe_group_id: int = field(default_factory=lambda: int(_env("SENDGRID_UNSUBSCRIBE_GROUP_ID", "4321")))
    nurture_template_id: str = field(
        default_factory=lambda: _env("SENDGRID_NURTURE_TEMPLATE_ID", "d-00000000000000000000000000000001")
    )
    rejection_template_id: str = field(
        default_factory=lambda: _env("SENDGRID_REJECTION_TEMPLATE_ID", "d-00000000000000000000000000000002")
    )
    new_position_template_id: str = field(
        default_factory=lambda: _env("SENDGRID_NEW_POSITION_TEMPLATE_ID", "d-00000000000000000000000000000004")
    )
    reapply_notice_template_id: str = field(
        default_factory=lambda: _env("SENDGRID_REAPPLY_NOTICE_TEMPLATE_ID", "d-00000000000000000000000000000005")
    )
    careers_url: str = field(default_factory=lambda: _env("CRM_CAREERS_URL", "https://example.co.jp/careers"))
    # the List-Unsubscribe header (RFC 8058 one-click): a page that takes a POST and unsubscribes the candidate
    # from the ASM group, and a mailbox whose mail does the same
    unsubscribe_url: str = field(
        default_factory=lambda: _env("CRM_UNSUBSCRIBE_URL", "https://example.co.jp/careers/unsubscribe")
    )
    unsubscribe_mailto: str = field(default_factory=lambda: _env("CRM_UNSUBSCRIBE_MAILTO", "unsubscribe@example.co.jp"))


@dataclass(frozen=True)
class SendGridSettings:
    api_key: str | None = field(default_factory=lambda: os.environ.get("SENDGRID_API_KEY"))
    api_url: str = field(default_factory=lambda: _env("SENDGRID_API_URL", DEFAULT_API_URL).rstrip("/"))
    timeout_s: float = field(default_factory=lambda: float(_env("SENDGRID_TIMEOUT_SECONDS", "30")))
    sandbox: bool = field(default_factory=lambda: _env("SENDGRID_SANDBOX", "false").lower() in ("1", "true", "yes"))
    # an in-doubt request with no `processed` event after this long was not accepted (see sender.py)
    in_doubt_release_hours: float = field(default_factory=lambda: float(_env("SENDGRID_IN_DOUBT_RELEASE_HOURS", "24")))
    max_attempts: int = field(default_factory=lambda: int(_env("SENDGRID_MAX_ATTEMPTS", "8")))
    backoff: Backoff = Backoff(base_s=0.5, cap_s=30.0)
    rate_limit_wait_max_s: float = 120.0
