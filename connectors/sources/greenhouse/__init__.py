"""Greenhouse Harvest exports: candidates, applications and interview scorecards as JSON (the shape of the
Harvest list endpoints)."""

from __future__ import annotations

from pathlib import Path

from connectors.common.landing import Stream
from connectors.common.readers import json_document


def _id(record: dict, path: Path, position: int) -> str | None:
    value = record.get("id")
    return None if value is None else str(value)


def streams(landing: Path) -> list[Stream]:
    folder = landing / "ats" / "greenhouse"
    return [
        Stream(
            "greenhouse",
            "greenhouse_candidates",
            "greenhouse_candidates",
            folder,
            ("candidates*.json", "api/candidates*.json"),
            json_document,
            _id,
            primary_key="id",
            json_key_path="$.id",
        ),
        Stream(
            "greenhouse",
            "greenhouse_applications",
            "greenhouse_applications",
            folder,
            ("applications*.json", "api/applications*.json"),
            json_document,
            _id,
            primary_key="id",
            json_key_path="$.id",
        ),
        Stream(
            "greenhouse",
            "greenhouse_scorecards",
            "greenhouse_scorecards",
            folder,
            ("scorecards*.json", "api/scorecards*.json"),
            json_document,
            _id,
            primary_key="id",
            json_key_path="$.id",
        ),
    ]
