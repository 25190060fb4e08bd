"""Staffing agency candidate files: CSV/TSV with doda-style Japanese or English headers, CP932 or UTF-8."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from connectors.common.landing import Item, Stream
from connectors.common.readers import csv_rows

RECORD_ID_COLUMNS = ("管理番号", "record_id")
NAME_COLUMNS = ("姓漢字", "last_name", "姓カナ", "last_name_kana")
CONTACT_COLUMNS = ("メールアドレス", "email", "電話番号1", "phone")


def _id(record: dict, path: Path, position: int) -> str | None:
    for column in RECORD_ID_COLUMNS:
        value = (record.get(column) or "").strip()
        if value:
            return value
    # no record id column: the row's place in its file identifies it
    return f"{path.name}#{position}"


def _read(path: Path) -> Iterator[Item]:
    return csv_rows(path, required_any=NAME_COLUMNS)


def streams(landing: Path) -> list[Stream]:
    root = landing / "agencies"
    if not root.is_dir():
        return []
    return [
        Stream(f"agency_{folder.name}", f"agency_{folder.name}", "agency_candidates", folder,
               ("*.csv", "*.tsv", "*.txt"), _read, _id, primary_key="管理番号 / record_id (else file#row)")
        for folder in sorted(p for p in root.iterdir() if p.is_dir())
    ]
