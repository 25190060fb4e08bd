"""The delivery tests here pin the template ids, as an operator may with SENDGRID_<KIND>_TEMPLATE_ID: they are
about getting each message to SendGrid once, and their failure scripts count requests. Reading the ids from
SendGrid's Templates API (what sendgrid mode does without these variables) is tested in test_templates.py."""

from __future__ import annotations

import pytest

PINNED_TEMPLATE_IDS = {
    "SENDGRID_NURTURE_TEMPLATE_ID": "d-00000000000000000000000000000001",
    "SENDGRID_REJECTION_TEMPLATE_ID": "d-00000000000000000000000000000002",
    "SENDGRID_CONSENT_RENEWAL_TEMPLATE_ID": "d-00000000000000000000000000000003",
    "SENDGRID_NEW_POSITION_TEMPLATE_ID": "d-00000000000000000000000000000004",
    "SENDGRID_REAPPLY_NOTICE_TEMPLATE_ID": "d-00000000000000000000000000000005",
}


@pytest.fixture(autouse=True)
def pinned_template_ids(monkeypatch):
    for name, value in PINNED_TEMPLATE_IDS.items():
        monkeypatch.setenv(name, value)
