"""SendGrid Event Webhook batches saved as JSON arrays."""

from __future__ import annotations

from pathlib import Path

from connectors.common.landing import Stream
from connectors.common.readers import json_document


def _id(record: dict, path: Path, position: int) -> str | None:
    value = record.get("sg_event_id")
    return None if value in (None, "") else str(value)


def streams(landing: Path) -> list[Stream]:
    return [
        Stream(
            "sendgrid",
            "sendgrid_events",
            "sendgrid_events",
            landing / "engagement" / "sendgrid",
            ("*.json",),
            json_document,
            _id,
            primary_key="sg_event_id",
            json_key_path="$.sg_event_id",
            write_mode="append",
        )
    ]
