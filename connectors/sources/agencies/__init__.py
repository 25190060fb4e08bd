"""Staffing agency candidate files: CSV/TSV with doda-style Japanese or English headers, CP932 or UTF-8."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

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


MAPPING_FILE = "mapping.json"


def date_fields() -> dict[str, tuple[date, date]]:
    """Birth dates a living applicant can have; referral dates between the first ATS and tomorrow."""
    today = date.today()
    birth, referred = (date(1920, 1, 1), today), (date(2000, 1, 1), today + timedelta(days=1))
    return {"生年月日": birth, "birth_date": birth, "推薦日": referred, "referred_at": referred}


def _mapping(folder: Path) -> dict[str, str] | None:
    """An agency with other headers gets a mapping.json beside its files: {"columns": {"their": "ours"}}."""
    path = folder / MAPPING_FILE
    if not path.exists():
        return None
    columns = json.loads(path.read_text(encoding="utf-8")).get("columns", {})
    return {str(k).strip(): str(v).strip() for k, v in columns.items()}


def _read(path: Path) -> Iterator[Item]:
    try:
        mapping = _mapping(path.parent)
    except (json.JSONDecodeError, AttributeError) as exc:
        yield Item(0, error=f"{path.parent.name}/{MAPPING_FILE} is not a JSON object with a 'columns' object: {exc}")
        return
    yield from csv_rows(path, required_any=NAME_COLUMNS, mapping=mapping, date_fields=date_fields())


def streams(landing: Path) -> list[Stream]:
    root = landing / "agencies"
    if not root.is_dir():
        return []
    return [
        Stream(
            f"agency_{folder.name}",
            f"agency_{folder.name}",
            "agency_candidates",
            folder,
            ("*.csv", "*.tsv", "*.txt", "*.xlsx"),
            _read,
            _id,
            primary_key="管理番号 / record_id (else file#row)",
        )
        for folder in sorted(p for p in root.iterdir() if p.is_dir())
    ]
