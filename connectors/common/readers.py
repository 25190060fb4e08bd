"""File readers shared by the sources. Each yields `Item`s and never raises on bad content:
what cannot be read becomes an Item with an error that names the line, row or field.

Readers judge whether a record can be read, not whether its values are right: a row with a date that is
not a date is read like any other (staging nulls the value and records the problem in marts.field_issues)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

import orjson

from .landing import Item

SNIFF_BYTES = 1 << 16
_BOM_UTF8 = b"\xef\xbb\xbf"


def json_lines(path: Path) -> Iterator[Item]:
    """One JSON object per line; blank lines are ignored."""
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, start=1):
            line = line.strip()
            if not line:
                continue
            text = line.decode("utf-8", errors="replace")
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                yield Item(number, text=text, error=f"invalid JSON on line {number}: {exc}")
                continue
            if not isinstance(record, dict):
                yield Item(number, text=text, error=f"line {number} is a JSON {type(record).__name__}, not an object")
                continue
            yield Item(number, record=record, text=text)


def json_document(path: Path) -> Iterator[Item]:
    """A JSON array of objects, a single object, an API response that wraps them in "data", or JSON Lines
    (detected from the content)."""
    data = path.read_bytes()
    body = data.lstrip(_BOM_UTF8).lstrip()
    if not body:
        return
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if body[:1] == b"{" and b"\n" in body.strip():
            yield from json_lines(path)
            return
        yield Item(
            0,
            text=body[:2000].decode("utf-8", "replace"),
            error=f"not valid JSON ({exc}); if the file was cut off, export it again",
        )
        return
    if isinstance(parsed, dict) and isinstance(parsed.get("data"), list):
        parsed = parsed["data"]  # an API list response saved as is ({"data": [...], "hasNext": ...})
    elif isinstance(parsed, dict) and isinstance(parsed.get("data"), dict):
        parsed = [parsed["data"]]  # a single-object API response
    if isinstance(parsed, dict):
        parsed = [parsed]
    if not isinstance(parsed, list):
        yield Item(
            0,
            text=body[:2000].decode("utf-8", "replace"),
            error=f"expected a JSON array of objects or one object, found a {type(parsed).__name__}",
        )
        return
    for position, record in enumerate(parsed, start=1):
        if isinstance(record, dict):
            yield Item(position, record=record)
        else:
            yield Item(
                position,
                text=orjson.dumps(record).decode(),
                error=f"array element {position} is a JSON {type(record).__name__}, not an object",
            )


def detect_encoding(path: Path) -> str:
    """'utf-8-sig' for a BOM; otherwise 'utf-8' or 'cp932' (Windows Shift_JIS), whichever most lines with
    non-ASCII bytes decode as. In a file that mixes both, the minority lines are then quarantined."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith(_BOM_UTF8):
        return "utf-8-sig"
    lines = head.split(b"\n")
    if len(head) == SNIFF_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut by the sniff window
    utf8 = cp932_only = 0
    for line in lines:
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8 += 1
        except UnicodeDecodeError:
            cp932_only += 1
    return "utf-8" if utf8 >= cp932_only else "cp932"


_CONTROL_BYTES = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x1B)) + bytes(range(0x1C, 0x20))


def looks_binary(path: Path) -> bool:
    """Text files have almost no control bytes; images, spreadsheets and archives have many."""
    with open(path, "rb") as fh:
        head = fh.read(8192)
    if not head:
        return False
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls > max(4, len(head) // 50)


def _without_nul(lines: Iterator[str]) -> Iterator[str]:
    # the csv module stops the whole file at a NUL byte; mark the row instead so only it is quarantined
    for line in lines:
        yield line.replace("\x00", "\ufffe") if "\x00" in line else line


_FORMULA = re.compile(r"^(=|[+\-@].*[A-Za-z]+\()")


def looks_like_formula(value: str) -> bool:
    """A spreadsheet formula (=HYPERLINK(...), +SUM(...), @cmd(...)) rather than data such as +81 90 ..."""
    return bool(_FORMULA.match(value.strip()))


def csv_rows(
    path: Path,
    delimiter: str | None = None,
    required_any: tuple[str, ...] = (),
    mapping: dict[str, str] | None = None,
) -> Iterator[Item]:
    """Rows of a CSV or TSV file as {header: value}; the encoding is detected, the delimiter from the name.
    `mapping` renames headers first; with `required_any`, a file whose header has none of those columns
    is rejected whole."""
    if path.suffix.lower() == ".xlsx":
        yield from xlsx_rows(path, required_any, mapping)
        return
    if looks_binary(path):
        yield Item(0, error="binary content, not CSV text: export the file again as CSV (UTF-8 or Shift_JIS)")
        return
    encoding = detect_encoding(path)
    if delimiter is None:
        delimiter = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    with open(path, encoding=encoding, errors="surrogateescape", newline="") as fh:
        reader = csv.reader(_without_nul(fh), delimiter=delimiter)
        try:
            headers = next(reader)
        except StopIteration:
            return
        headers = _mapped_headers(headers, mapping)
        problem = _missing_required(headers, required_any)
        if problem:
            yield Item(0, error=problem)
            return
        width = len(headers)
        row_number = 1
        for row in reader:
            row_number += 1
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            text = delimiter.join(row)
            if len(row) != width:
                yield Item(
                    row_number,
                    text=_printable(text),
                    error=f"row {row_number} has {len(row)} fields, the header has {width}",
                )
                continue
            bad = _bad_field(headers, row, encoding)
            if bad:
                yield Item(row_number, text=_printable(text), error=f"row {row_number}: {bad}")
                continue
            yield Item(row_number, record=dict(zip(headers, row)))


_SUSPECT = re.compile("[\udc80-\udcff\ufffe]")  # undecodable bytes (surrogate escapes) or a marked NUL


def _bad_field(headers: list[str], row: list[str], encoding: str) -> str | None:
    for header, value in zip(headers, row):
        if not value:
            continue
        if _SUSPECT.search(value):
            if "\ufffe" in value:
                return f"field {header} contains a NUL byte"
            return f"field {header} has bytes that are not valid {encoding} (mixed encodings in one file?)"
        if value[0] in "=+-@" and looks_like_formula(value):
            return f"field {header} holds a spreadsheet formula, not data"
    return None


def _mapped_headers(headers: list, mapping: dict[str, str] | None) -> list[str]:
    cleaned = ["" if h is None else str(h).strip() for h in headers]
    return [mapping.get(h, h) for h in cleaned] if mapping else cleaned


def _missing_required(headers: list[str], required_any: tuple[str, ...]) -> str | None:
    if required_any and not set(headers) & set(required_any):
        found = ", ".join(headers)[:300]
        return (
            f"missing a required column: expected one of {', '.join(required_any)}; found {found}. "
            "Rename the column in the file, or add a header mapping (mapping.json) for this source"
        )
    return None


def xlsx_rows(
    path: Path,
    required_any: tuple[str, ...] = (),
    mapping: dict[str, str] | None = None,
) -> Iterator[Item]:
    """Rows of the first sheet of an XLSX workbook as {header: text}, streamed (read-only mode); dates
    become ISO dates and a formula cell is quarantined like a formula in a CSV."""
    import zipfile

    from openpyxl import load_workbook

    try:
        # formulas are read as formulas, not as Excel's cached results, so they can be refused by name
        workbook = load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        yield Item(0, error=f"not a readable XLSX workbook ({exc}): save it again from Excel as .xlsx or as CSV")
        return
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        headers = _mapped_headers(list(next(rows, []) or []), mapping)
        problem = _missing_required(headers, required_any)
        if problem:
            yield Item(0, error=problem)
            return
        for number, values in enumerate(rows, start=2):
            if values is None or all(v in (None, "") for v in values):
                continue
            row = [_cell_text(v) for v in values]
            if len(row) > len(headers) and any(row[len(headers) :]):
                yield Item(number, text="\t".join(row), error=f"row {number} has values beyond the last header column")
                continue
            row = (row + [""] * len(headers))[: len(headers)]
            bad = _bad_field(headers, row, "xlsx")
            if bad:
                yield Item(number, text="\t".join(row), error=f"row {number}: {bad}")
                continue
            yield Item(number, record=dict(zip(headers, row)))
    finally:
        workbook.close()


def _cell_text(value) -> str:
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\ufffe", "\\x00")
