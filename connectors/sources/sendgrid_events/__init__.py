"""SendGrid Event Webhook batches saved as JSON arrays."""

from __future__ import annotations

from pathlib import Path

from connectors.common.landing import Key, Stream
from connectors.common.readers import json_document

STREAMS = (
    Stream(
        source="sendgrid",
        name="sendgrid_events",
        raw_table="sendgrid_events",
        folder=Path("engagement/sendgrid"),
        patterns=("*.json",),
        read=json_document,
        write="append",
        holds_people=False,
        # the event's id: SendGrid may deliver an event twice, staging keeps the first delivery
        key=Key(("sg_event_id",)),
        duckdb_json=True,
    ),
)
