"""Sourced prospects: people found on social networks, at events or by referral who never applied."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from connectors.common.landing import Item, Stream
from connectors.common.readers import csv_rows

NAME_COLUMNS = ("name", "氏名", "family_name", "姓")


def _read(path: Path) -> Iterator[Item]:
    return csv_rows(path, required_any=NAME_COLUMNS)


def _key(record: dict, path: Path, position: int) -> str | None:
    explicit = str(record.get("prospect_id") or "").strip()
    if explicit:
        return explicit
    # no id column: the profile URL identifies a sourced person; else the row's place in its file
    url = str(record.get("profile_url") or "").strip().lower()
    return "url-" + hashlib.sha1(url.encode()).hexdigest()[:16] if url else f"{path.name}#{position}"


def streams(landing: Path) -> list[Stream]:
    return [
        Stream(
            "prospects",
            "prospects",
            "prospects",
            landing / "prospects",
            ("*.csv", "*.tsv"),
            _read,
            _key,
            primary_key="prospect_id, else a hash of profile_url, else file#row",
        )
    ]
