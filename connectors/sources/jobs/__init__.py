"""Our own job openings as schema.org JobPosting JSON (one posting or an array per file)."""

from __future__ import annotations

from pathlib import Path

from connectors.common.landing import Key, Stream
from connectors.common.readers import json_document

STREAMS = (
    Stream(
        source="jobs",
        name="job_postings",
        raw_table="job_postings",
        folder=Path("jobs"),
        patterns=("*.json", "*.jsonld"),
        read=json_document,
        write="merge",
        holds_people=False,
        # schema.org writes the identifier as a PropertyValue object or as plain text
        key=Key(("identifier.value", "identifier")),
    ),
)
