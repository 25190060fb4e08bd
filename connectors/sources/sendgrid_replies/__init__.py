"""Replies to our mail, from SendGrid's Inbound Parse webhook, saved as JSON arrays by the receiver."""

from __future__ import annotations

from pathlib import Path

from connectors.common.landing import Key, Stream
from connectors.common.readers import json_document

STREAMS = (
    Stream(
        source="sendgrid",
        name="sendgrid_replies",
        raw_table="sendgrid_replies",
        folder=Path("engagement/replies"),
        patterns=("*.json",),
        read=json_document,
        write="merge",  # a post SendGrid repeats is the same reply
        holds_people=False,
        key=Key(("reply_id",)),
        duckdb_json=True,
    ),
)
