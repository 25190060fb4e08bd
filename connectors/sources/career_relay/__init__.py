"""Career Relay inbound: candidates referred to us through Career Relay, and the operator's report of the
registrations made through the links in our rejection mails (used for referral credits)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from connectors.common.landing import Item, Stream
from connectors.common.readers import csv_rows, json_document


def _read(path: Path) -> Iterator[Item]:
    if path.suffix.lower() in (".json", ".jsonl"):
        return json_document(path)
    return csv_rows(path, required_any=REQUIRED[path.parent.name])


def _key(column: str):
    def key(record: dict, path: Path, position: int) -> str | None:
        value = str(record.get(column) or "").strip()
        return value or None

    return key


REQUIRED = {"referrals": ("referral_id",), "registrations": ("registration_id",)}


def streams(landing: Path) -> list[Stream]:
    root = landing / "career_relay"
    return [
        Stream(
            "career_relay",
            "career_relay_referrals",
            "career_relay_referrals",
            root / "referrals",
            ("*.csv", "*.json", "*.jsonl"),
            _read,
            _key("referral_id"),
            primary_key="referral_id",
        ),
        Stream(
            "career_relay_registrations",
            "career_relay_registrations",
            "career_relay_registrations",
            root / "registrations",
            ("*.csv", "*.json", "*.jsonl"),
            _read,
            _key("registration_id"),
            primary_key="registration_id",
        ),
    ]
