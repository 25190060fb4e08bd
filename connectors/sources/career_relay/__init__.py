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


def _stream(folder: str, source: str, holds_people: bool) -> Stream:
    return Stream(
        source=source,
        name=f"career_relay_{folder}",
        raw_table=f"career_relay_{folder}",
        folder=Path("career_relay") / folder,
        patterns=("*.csv", "*.json", "*.jsonl"),
        read=_read,
        write="merge",
        holds_people=holds_people,
        key=Key((KEYS[folder],)),
    )


STREAMS = (
    _stream("referrals", source="career_relay", holds_people=True),  # people referred to us
    _stream("registrations", source="career_relay_registrations", holds_people=False),  # for referral credits
)
