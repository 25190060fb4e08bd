"""Lever opportunities export: JSON files in the shape of GET /v1/opportunities."""

from __future__ import annotations

from pathlib import Path

from connectors.common.landing import Key, Stream
from connectors.common.readers import json_document

STREAMS = (
    Stream(
        source="lever",
        name="lever_opportunities",
        raw_table="lever_opportunities",
        folder=Path("ats/lever"),
        patterns=("*.json", "*.jsonl"),
        read=json_document,
        write="merge",
        holds_people=True,
        key=Key(("id",)),  # the opportunity (one candidacy); `contact` is Lever's id for the person
        duckdb_json=True,
    ),
)
