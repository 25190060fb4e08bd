"""Staffing agency candidate files: CSV/TSV/XLSX with doda-style Japanese or English headers, CP932 or UTF-8.

The header vocabulary (which headers mean which column, the record id columns) is declared once in
dbt_project.yml (vars.agency_files) and read here, by staging and by the raw gate."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from connectors.common.landing import FILE_ROW, Item, Key, Rejected, Stream, display
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
    except (json.JSONDecodeError, AttributeError, UnicodeDecodeError) as exc:
        # a setting: the file lands once mapping.json is fixed
        raise Rejected(
            f"{display(path.parent.name)}/{MAPPING_FILE} is not a JSON object with a 'columns' object "
            f'({type(exc).__name__}): fix it, e.g. {{"columns": {{"氏名(姓)": "姓漢字"}}}}'
        ) from None
    yield from csv_rows(path, required_any=NAME_COLUMNS, mapping=mapping, mapping_file=MAPPING_FILE)


STREAMS = (
    Stream(
        source="agency_{folder}",  # one source per agency folder
        name="agency_{folder}",
        raw_table="agency_candidates",
        folder=Path("agencies/*"),
        patterns=("*.csv", "*.tsv", "*.txt", "*.xlsx"),
        read=_read,
        settings_files=(MAPPING_FILE,),
        write="merge",
        holds_people=True,
        # the file's own record id when it has one, else the row's place in that file's content: two monthly
        # files with one name are two sets of people, and only a record id lets a re-sent row update a person
        key=Key(RECORD_ID_COLUMNS, FILE_ROW),
    ),
)
