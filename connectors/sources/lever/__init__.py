"""Lever opportunities export: JSON files in the shape of GET /v1/opportunities."""

from __future__ import annotations

from pathlib import Path

from connectors.common.landing import Stream
from connectors.common.readers import json_document


def _id(record: dict, path: Path, position: int) -> str | None:
    value = record.get("id")
    return None if value in (None, "") else str(value)


def streams(landing: Path) -> list[Stream]:
    return [
        Stream(
            "lever",
            "lever_opportunities",
            "lever_opportunities",
            landing / "ats" / "lever",
            ("*.json", "*.jsonl"),
            json_document,
            _id,
            primary_key="id (opportunity id)",
            json_key_path="$.id",
        )
    ]
