"""CSV files that people open in a spreadsheet (exports for agencies, Career Relay's CSV fallback, reports).

A cell that starts with =, +, - or @ (or a tab or carriage return) would run as a formula in Excel or
LibreOffice (CSV injection). Such text is written with a leading apostrophe, which spreadsheets show as
text and do not evaluate. Every CSV the project writes for people goes through `write_csv`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(path: Path, headers: list[str], rows: Iterable[Iterable], encoding: str = "utf-8-sig") -> int:
    """Write rows with every cell escaped; UTF-8 with a BOM by default, so Excel reads Japanese correctly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow([escape_cell(h) for h in headers])
        for row in rows:
            writer.writerow([escape_cell(v) for v in row])
            count += 1
    return count
