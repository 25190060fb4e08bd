"""Staffing agency candidate files: CSV/TSV/XLSX with doda-style Japanese or English headers, CP932 or UTF-8.

The header vocabulary (which headers mean which column, the record id columns) is declared once in
dbt_project.yml (vars.agency_files) and read here, by staging and by the raw gate."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from connectors.common.landing import FILE_ROW, Item, Key, Stream
from connectors.common.readers import csv_rows
from connectors.sources.registry import agency_files, agency_headers

RECORD_ID_COLUMNS = tuple(agency_files()["record_id"])
NAME_COLUMNS = agency_headers(*agency_files()["name_columns"])  # 姓漢字, last_name, 姓カナ, last_name_kana
CONTACT_COLUMNS = agency_headers(*agency_files()["contact_columns"])  # メールアドレス, email, 電話番号1, phone
MAPPING_FILE = "mapping.json"


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
    yield from csv_rows(path, required_any=NAME_COLUMNS, mapping=mapping)


STREAMS = (
    Stream(
        source="agency_{folder}",  # one source per agency folder
        name="agency_{folder}",
        raw_table="agency_candidates",
        folder=Path("agencies/*"),
        patterns=("*.csv", "*.tsv", "*.txt", "*.xlsx"),
        read=_read,
        write="merge",
        holds_people=True,
        # the file's own record id when it has one, else the row's place in its file
        key=Key(RECORD_ID_COLUMNS, FILE_ROW),
    ),
)
