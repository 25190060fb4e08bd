"""File readers shared by the sources. Each yields `Item`s and never raises on bad content:
what cannot be read becomes an Item with an error that names the line, row or field.

Readers judge whether a record can be read, not whether its values are right: a row with a date that is
not a date is read like any other (staging nulls the value and records the problem in marts.field_issues).

What a reader says about a file never quotes its data: a header row is named only once it is known to be a
header (it has one of the columns the source requires), rows by number, fields by their header.

Whole-file outcomes: an `Item` at position 0 with an error quarantines the file (its content is wrong: it
is binary, not JSON, has no header row); `Rejected` leaves it unloaded until a setting is fixed (a
mapping.json, a limit); `Unreadable` quarantines it whole when the problem shows only part-way through."""

from __future__ import annotations

import csv
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import orjson

from .landing import Item, Rejected, Unreadable

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


# After leading blanks, and with full-width forms read as their ASCII twins: `=` anything is a formula; `+`, `-`
# and `@` are one when a function call or a DDE link follows (+SUM(..), -2+3+cmd|'..'!A0, @SUM(..)), so phone
# numbers (+81 90 ...), dashes and handles (@yamada) stay data. Matches what csv_export escapes on the way out.
FORMULA_LEADS = frozenset("=+-@＝＋－＠ \t\r\n\u3000")
_LEADING_BLANKS = " \t\r\n\u3000"
_FORMULA_CALL = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\s*\(|\|")


def looks_like_formula(value: str) -> bool:
    """A spreadsheet formula (=HYPERLINK(...), +SUM(...), @cmd(...), a tab or spaces before any of them, a
    full-width ＝) rather than data such as +81 90 ..."""
    text = value.lstrip(_LEADING_BLANKS)
    if not text:
        return False
    lead = unicodedata.normalize("NFKC", text[0])
    if lead == "=":
        return True
    if lead in "+-@":
        return bool(_FORMULA_CALL.search(unicodedata.normalize("NFKC", text[1:200])))
    return False


def csv_rows(
    path: Path,
    delimiter: str | None = None,
    required_any: tuple[str, ...] = (),
    mapping: dict[str, str] | None = None,
    mapping_file: str | None = None,
) -> Iterator[Item]:
    """Rows of a CSV or TSV file as {header: value}; the encoding is detected, the delimiter from the name.
    `mapping` renames headers first; with `required_any`, a file whose header has none of those columns is
    refused whole. `mapping_file` names the setting that can map headers (`mapping.json`): a file that
    lacks the required columns is then rejected (a setting can fix it, and it lands after the fix) instead
    of quarantined."""
    if path.suffix.lower() == ".xlsx":
        yield from xlsx_rows(path, required_any, mapping, mapping_file)
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
            raw_headers = next(reader)
        except StopIteration:
            return
        headers = _checked_headers(raw_headers, mapping, required_any, mapping_file)
        if isinstance(headers, Item):
            yield headers
            return
        width = len(headers)
        row_number = 1
        for row in _rows(reader):
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


def _rows(reader) -> Iterator[list[str]]:
    """The csv reader's rows after the header; a file it cannot follow (a quoted field never closed that
    swallows the rest, a field over the csv module's limit) is unreadable as a whole, named by the row, never
    quoted."""
    number = 1
    try:
        for row in reader:
            number += 1
            yield row
    except csv.Error as exc:
        raise Unreadable(
            f"cannot be read as CSV from row {number + 1} ({type(exc).__name__}: a quote never closed, or a field "
            "longer than 128 KB): export it again"
        ) from None


def _checked_headers(
    raw_headers: list, mapping: dict[str, str] | None, required_any: tuple[str, ...], mapping_file: str | None
) -> list[str] | Item:
    """The header row mapped and checked: the required columns first (without quoting the row, which may be
    data), then names given twice (a value could not be told from the other's)."""
    cleaned = _mapped_headers(raw_headers, None)
    headers = _mapped_headers(raw_headers, mapping)
    problem = _missing_required(headers, required_any, mapping_file)
    if problem:
        if mapping_file:
            raise Rejected(problem)
        return Item(0, error=problem)
    twice = _named_twice(cleaned)
    if twice:
        return Item(
            0,
            error=f"the header row names {', '.join(twice)} more than once: which column holds the value is unclear, "
            "so nothing of the file landed; export it again with each column once",
        )
    twice = _named_twice(headers)
    if twice:
        sources = {name: [h for h, m in zip(cleaned, headers) if m == name] for name in twice}
        described = "; ".join(f"{', '.join(hs)} all become {name}" for name, hs in sources.items())
        raise Rejected(
            f"{mapping_file or 'the header mapping'} gives two columns one name ({described}): map only one of them"
        )
    return headers


def _named_twice(headers: list[str]) -> list[str]:
    return [name for name, count in Counter(h for h in headers if h).items() if count > 1]


_SUSPECT = re.compile("[\udc80-\udcff\ufffe]")  # undecodable bytes (surrogate escapes) or a marked NUL


def _bad_field(headers: list[str], row: list[str], encoding: str) -> str | None:
    for header, value in zip(headers, row):
        if not value:
            continue
        if _SUSPECT.search(value):
            if "\ufffe" in value:
                return f"field {header} contains a NUL byte"
            return f"field {header} has bytes that are not valid {encoding} (mixed encodings in one file?)"
        if value[0] in FORMULA_LEADS and looks_like_formula(value):
            return f"field {header} holds a spreadsheet formula, not data"
    return None


def _mapped_headers(headers: list, mapping: dict[str, str] | None) -> list[str]:
    cleaned = ["" if h is None else str(h).strip() for h in headers]
    return [mapping.get(h, h) for h in cleaned] if mapping else cleaned


def _missing_required(headers: list[str], required_any: tuple[str, ...], mapping_file: str | None = None) -> str | None:
    if required_any and not set(headers) & set(required_any):
        fix = (
            f"rename the column in the file, or map it in {mapping_file}"
            if mapping_file
            else "rename the column in the file"
        )
        return (
            f"missing a required column: none of the {len(headers)} columns of the header row is one of "
            f"{', '.join(required_any)}. If the first row is data, the file has no header row: add one; otherwise "
            f"{fix}"
        )
    return None


XLSX_MAX_EXPANSION_SETTING = "CRM_XLSX_MAX_EXPANSION"
XLSX_MAX_MB_SETTING = "CRM_XLSX_MAX_MB"


def xlsx_limits() -> tuple[float, float]:
    """(times its size, megabytes): how far a workbook's XML may expand, whichever is smaller."""
    limits = []
    for setting, default in ((XLSX_MAX_EXPANSION_SETTING, 50.0), (XLSX_MAX_MB_SETTING, 200.0)):
        raw = (os.environ.get(setting) or "").strip()
        try:
            limits.append(float(raw) if raw else default)
        except ValueError:
            raise Rejected(
                f"{setting}={raw!r} is not a number: set it to a number, or unset it ({default:g})"
            ) from None
    return limits[0], limits[1]


def _xlsx_expansion_problem(path: Path) -> str | None:
    """A workbook is a zip of XML: one whose XML expands far past its size (a zip bomb, or shared strings
    built to exhaust memory) is refused before it is opened. Sizes are read from the zip's directory;
    Python's zip reader never returns more than a member declares."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None  # not a zip at all: openpyxl says so below
    size = max(path.stat().st_size, 1)
    times, megabytes = xlsx_limits()
    limit = min(times * size, megabytes * 1_000_000)
    if expanded <= limit:
        return None
    return (
        f"the workbook expands to {expanded / 1_000_000:,.1f} MB of XML, {expanded / size:,.0f} times its size: past "
        f"the limit ({times:g} times its size or {megabytes:g} MB, whichever is smaller; {XLSX_MAX_EXPANSION_SETTING}, "
        f"{XLSX_MAX_MB_SETTING}). Save it as CSV, or raise the limit if the workbook is genuine"
    )


def xlsx_rows(
    path: Path,
    required_any: tuple[str, ...] = (),
    mapping: dict[str, str] | None = None,
    mapping_file: str | None = None,
) -> Iterator[Item]:
    """Rows of the first sheet of an XLSX workbook as {header: text}, streamed (read-only mode); dates
    become ISO dates and a formula cell is quarantined like a formula in a CSV. A workbook whose XML would
    expand past the limit is rejected unopened; a sheet that breaks part-way quarantines the whole file."""
    from openpyxl import load_workbook

    problem = _xlsx_expansion_problem(path)
    if problem:
        raise Rejected(problem)
    try:
        # formulas are read as formulas, not as Excel's cached results, so they can be refused by name
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file; its messages may quote cells
        yield Item(
            0, error=f"not a readable XLSX workbook ({type(exc).__name__}): save it again from Excel as .xlsx or as CSV"
        )
        return
    number = 1
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        headers = _checked_headers(list(next(rows, []) or []), mapping, required_any, mapping_file)
        if isinstance(headers, Item):
            yield headers
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
    except (Rejected, Unreadable, GeneratorExit):
        raise
    except Exception as exc:  # a malformed sheet: the message may quote a cell, so only its kind is kept
        raise Unreadable(
            f"the first sheet cannot be read after row {number} ({type(exc).__name__}): nothing of the file landed; "
            "save it again from Excel as .xlsx, or as CSV"
        ) from None
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
