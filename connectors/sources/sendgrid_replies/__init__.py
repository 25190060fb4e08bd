"""Replies to our mail, from SendGrid's Inbound Parse webhook, saved as JSON arrays by the receiver."""

from __future__ import annotations

from pathlib import Path

from connectors.common.landing import Stream
from connectors.common.readers import json_document


def _id(record: dict, path: Path, position: int) -> str | None:
    value = record.get("reply_id")
    return None if value in (None, "") else str(value)


def streams(landing: Path) -> list[Stream]:
    return [
        Stream(
            "sendgrid",
            "sendgrid_replies",
            "sendgrid_replies",
            landing / "engagement" / "replies",
            ("*.json",),
            json_document,
            _id,
            primary_key="reply_id",
            json_key_path="$.reply_id",
        )
    ]
