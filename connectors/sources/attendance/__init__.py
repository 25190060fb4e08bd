"""Event attendance lists (CSV: event_date, event_name, name, email, attended)."""

from __future__ import annotations

from pathlib import Path

from connectors.common.landing import Stream
from connectors.common.readers import csv_rows


def _id(record: dict, path: Path, position: int) -> str | None:
    return f"{path.name}#{position}"


def streams(landing: Path) -> list[Stream]:
    return [
        Stream(
            "attendance",
            "event_attendance",
            "event_attendance",
            landing / "engagement" / "attendance",
            ("*.csv",),
            csv_rows,
            _id,
            primary_key="file#row",
            write_mode="append",
        )
    ]
