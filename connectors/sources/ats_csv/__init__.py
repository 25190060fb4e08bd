"""Generic ATS CSV exports (for Japanese ATS such as HRMOS, whose exports are CSV): one folder per ATS
under <landing>/ats/csv/<ats_name>/, with a mapping.json from that ATS's headers to ours."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from connectors.common.landing import Item, Key, Rejected, Stream, display
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
    name = display(folder.name)
    if not path.exists():
        raise ValueError(
            f"{name}/{MAPPING_FILE} is missing: map this ATS's headers to "
            f"{', '.join(CANONICAL)} (see connectors/sources/ats_csv/README.md)"
        )
    columns = json.loads(path.read_text(encoding="utf-8")).get("columns")
    if not isinstance(columns, dict):
        raise ValueError(f'{name}/{MAPPING_FILE} needs a \'columns\' object: {{"their header": "our column"}}')
    unknown = sorted(set(columns.values()) - set(CANONICAL))
    if unknown:
        raise ValueError(
            f"{name}/{MAPPING_FILE} maps to unknown columns {', '.join(unknown)}; use {', '.join(CANONICAL)}"
        )
    if "record_id" not in columns.values():
        raise ValueError(f"{name}/{MAPPING_FILE} must map one header to record_id (the ATS's candidate id)")
    return {str(k).strip(): v for k, v in columns.items()}


def _read(path: Path) -> Iterator[Item]:
    try:
        mapping = _mapping(path.parent)
    except json.JSONDecodeError as exc:
        raise Rejected(f"{display(path.parent.name)}/{MAPPING_FILE} is not valid JSON ({exc.msg}): fix it") from None
    except ValueError as exc:  # a setting: the file lands once mapping.json is right
        raise Rejected(str(exc)) from None
    yield from csv_rows(path, required_any=NAME_COLUMNS, mapping=mapping, mapping_file=MAPPING_FILE)


STREAMS = (
    Stream(
        source="ats_{folder}",  # one source per ATS folder
        name="ats_{folder}",
        raw_table="ats_csv_candidates",
        folder=Path("ats/csv/*"),
        patterns=("*.csv", "*.tsv", "*.xlsx"),
        read=_read,
        settings_files=(MAPPING_FILE,),
        write="merge",
        holds_people=True,
        key=Key(("record_id",)),  # the ATS's candidate id: the column mapping.json maps to record_id
    ),
)
