"""Sourced prospects: people found on social networks, at events or by referral who never applied."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from connectors.common.landing import FILE_ROW, Fallback, Item, Key, SourceFile, Stream
from connectors.common.readers import csv_rows

NAME_COLUMNS = ("name", "氏名", "family_name", "姓")


def _read(path: Path) -> Iterator[Item]:
    return csv_rows(path, required_any=NAME_COLUMNS)


def _profile_url_or_row(record: dict, file: SourceFile, position: int) -> str:
    # no id column: the profile URL identifies a sourced person; else the row's place in its file's content
    url = str(record.get("profile_url") or "").strip().lower()
    return "url-" + hashlib.sha1(url.encode()).hexdigest()[:16] if url else FILE_ROW.derive(record, file, position)


STREAMS = (
    Stream(
        source="prospects",
        name="prospects",
        raw_table="prospects",
        folder=Path("prospects"),
        patterns=("*.csv", "*.tsv"),
        read=_read,
        write="merge",
        holds_people=True,
        key=Key(
            ("prospect_id",),
            Fallback("url-<hash of the lower-cased profile_url>, else <file>@<content>#<row>", _profile_url_or_row),
        ),
    ),
)
