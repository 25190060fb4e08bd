"""Generic ATS CSV exports (for Japanese ATS such as HRMOS, whose exports are CSV): one folder per ATS
under <landing>/ats/csv/<ats_name>/, with a mapping.json from that ATS's headers to ours."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from connectors.common.landing import Item, Stream
from connectors.common.readers import csv_rows

MAPPING_FILE = "mapping.json"
# the columns staging reads; a mapping must give at least record_id and a name
CANONICAL = (
    "record_id",
    "full_name",
    "family_name",
    "given_name",
    "name_kana",
    "email",
    "phone",
    "birth_date",
    "prefecture",
    "desired_job_type",
    "skills",
    "job_title",
    "status",
    "rejection_reason",
    "applied_at",
    "rejected_at",
    "marketing_opt_in",
    "third_party_consent",
)
NAME_COLUMNS = ("full_name", "family_name")


def _mapping(folder: Path) -> dict[str, str]:
    path = folder / MAPPING_FILE
    if not path.exists():
        raise ValueError(
            f"{folder.name}/{MAPPING_FILE} is missing: map this ATS's headers to "
            f"{', '.join(CANONICAL)} (see connectors/sources/ats_csv/README.md)"
        )
    columns = json.loads(path.read_text(encoding="utf-8")).get("columns")
    if not isinstance(columns, dict):
        raise ValueError(f'{folder.name}/{MAPPING_FILE} needs a \'columns\' object: {{"their header": "our column"}}')
    unknown = sorted(set(columns.values()) - set(CANONICAL))
    if unknown:
        raise ValueError(
            f"{folder.name}/{MAPPING_FILE} maps to unknown columns {', '.join(unknown)}; use {', '.join(CANONICAL)}"
        )
    if "record_id" not in columns.values():
        raise ValueError(f"{folder.name}/{MAPPING_FILE} must map one header to record_id (the ATS's candidate id)")
    return {str(k).strip(): v for k, v in columns.items()}


def _read(path: Path) -> Iterator[Item]:
    try:
        mapping = _mapping(path.parent)
    except (ValueError, json.JSONDecodeError) as exc:
        yield Item(0, error=str(exc))
        return
    today = date.today()
    dates = {
        "birth_date": (date(1920, 1, 1), today),
        "applied_at": (date(2000, 1, 1), today + timedelta(days=1)),
        "rejected_at": (date(2000, 1, 1), today + timedelta(days=1)),
    }
    yield from csv_rows(path, required_any=NAME_COLUMNS, mapping=mapping, date_fields=dates)


def _id(record: dict, path: Path, position: int) -> str | None:
    value = str(record.get("record_id") or "").strip()
    return value or None


def streams(landing: Path) -> list[Stream]:
    root = landing / "ats" / "csv"
    if not root.is_dir():
        return []
    return [
        Stream(
            f"ats_{folder.name}",
            f"ats_{folder.name}",
            "ats_csv_candidates",
            folder,
            ("*.csv", "*.tsv", "*.xlsx"),
            _read,
            _id,
            primary_key="the column mapped to record_id",
        )
        for folder in sorted(p for p in root.iterdir() if p.is_dir())
    ]
