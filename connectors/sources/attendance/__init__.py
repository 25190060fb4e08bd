"""Event attendance lists (CSV: event_date, event_name, name, email, attended)."""

from __future__ import annotations

from pathlib import Path

from connectors.common.landing import Stream
from connectors.common.readers import csv_rows

STREAMS = (
    Stream(
        source="attendance",
        name="event_attendance",
        raw_table="event_attendance",
        folder=Path("engagement/attendance"),
        patterns=("*.csv",),
        read=csv_rows,
        write="append",  # no key declared: each line is keyed by <file>#<row>
        holds_people=False,
    ),
)
