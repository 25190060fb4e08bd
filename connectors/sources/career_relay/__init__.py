"""Career Relay inbound: candidates referred to us through Career Relay, and the operator's report of the
registrations made through the links in our rejection mails (used for referral credits)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from connectors.common.landing import Item, Key, Stream
from connectors.common.readers import csv_rows, json_document

KEYS = {"referrals": "referral_id", "registrations": "registration_id"}  # per subfolder: its key column


def _read(path: Path) -> Iterator[Item]:
    if path.suffix.lower() in (".json", ".jsonl"):
        return json_document(path)
    return csv_rows(path, required_any=(KEYS[path.parent.name],))


STREAMS = (
    Stream(
        source="career_relay",
        name="career_relay_referrals",
        raw_table="career_relay_referrals",
        folder=Path("career_relay/referrals"),
        patterns=("*.csv", "*.json", "*.jsonl"),
        read=_read,
        write="merge",
        holds_people=True,
        key=Key((KEYS["referrals"],)),
    ),
    Stream(
        source="career_relay_registrations",
        name="career_relay_registrations",
        raw_table="career_relay_registrations",
        folder=Path("career_relay/registrations"),
        patterns=("*.csv", "*.json", "*.jsonl"),
        read=_read,
        write="merge",
        holds_people=False,
        key=Key((KEYS["registrations"],)),
    ),
)
