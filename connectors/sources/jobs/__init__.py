"""Our own job openings as schema.org JobPosting JSON (one posting or an array per file)."""

from __future__ import annotations

from pathlib import Path

from connectors.common.landing import Stream
from connectors.common.readers import json_document


def _id(record: dict, path: Path, position: int) -> str | None:
    identifier = record.get("identifier")
    if isinstance(identifier, dict):
        identifier = identifier.get("value")
    return None if identifier in (None, "") else str(identifier)


def streams(landing: Path) -> list[Stream]:
    return [
        Stream(
            "jobs",
            "job_postings",
            "job_postings",
            landing / "jobs",
            ("*.json", "*.jsonld"),
            json_document,
            _id,
            primary_key="identifier.value",
        )
    ]
