"""Event attendance lists (CSV: event_date, event_name, name, email, attended)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from connectors.common.landing import Item, Stream
from connectors.common.readers import csv_rows

# a file whose header has neither is not an attendance list (or has no header row: its first row is data)
REQUIRED_ANY = ("email", "name")


def _read(path: Path) -> Iterator[Item]:
    return csv_rows(path, required_any=REQUIRED_ANY)


STREAMS = (
    Stream(
        source="attendance",
        name="event_attendance",
        raw_table="event_attendance",
        folder=Path("engagement/attendance"),
        patterns=("*.csv",),
        read=_read,
        write="append",  # no key declared: each line is keyed by <file>@<content>#<row>
        holds_people=False,
    ),
)
