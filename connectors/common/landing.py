"""Landing: files into raw tables, one audited load per file, every file and record accounted for.

A stream declares where its files are, how to read them, its key, its write semantics (merge or append)
and whether its records are people. This module does the rest the same way for every source: skip files
already loaded (by content hash), write records to `raw.<table>` with lineage columns and their key,
write unreadable ones (and, for a merge stream, records without a key) to `audit.quarantine` with the
reason, and record the counts and the write mode in `audit.loads`, all in one transaction per file.

Every file under a source folder ends one way, and none silently:

- **loaded** (its records landed or were quarantined, each with a reason), or **skipped** (its content was
  loaded before);
- **rejected** for a setting (a missing `mapping.json`, a signature that does not match the configured
  secret, an XLSX past the size limit): recorded, but its bytes are not marked loaded, so it lands after
  the fix; **failed** when reading it broke unexpectedly (tried again on the next run);
- **waiting**: still being written (changed less than `stable_seconds` ago without a `.done`/`.ok` marker,
  a `.partial` upload, or changed while it was being landed);
- **unrecognised** (a name no stream of its folder reads) or **refused** (a symbolic link, which is never
  followed, or a special file): see `survey` and `audit.unlanded_files`.

Landing judges whether a record can be read and keyed, never whether a field's value is right: a record
with a bad date lands as it is, and staging nulls the value and records the problem (marts.field_issues).
Reasons name the file, the row, the field and the rule, never a value from the data.
"""

from __future__ import annotations

import fnmatch
import gc
import glob
import hashlib
import os
import re
import stat
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import duckdb
import orjson
import pyarrow as pa

from crm.warehouse import scalar, transaction

BATCH_ROWS = 50_000
RAW_PREVIEW_CHARS = 2_000
MARKER_SUFFIXES = (".done", ".ok")  # <file>.done or <stem>.done: the sender says the file is complete
SIDECAR_SUFFIXES = (".sig",)  # read with their file (Indeed's signature)
COMPANION_SUFFIXES = SIDECAR_SUFFIXES + MARKER_SUFFIXES
PARTIAL_SUFFIXES = (".partial", ".part", ".filepart", ".tmp", ".crdownload")  # uploads still under way
OS_LEFTOVERS = {".DS_Store", "Thumbs.db", "desktop.ini"}  # written by file browsers, not by senders: not reported
NAME_MAX_BYTES = 255  # a file name's limit on Linux and macOS file systems
STABLE_SECONDS_SETTING = "CRM_LANDING_STABLE_SECONDS"
DEFAULT_STABLE_SECONDS = 60.0


class Rejected(Exception):
    """A file that cannot land as the settings stand (a missing or wrong mapping.json, a signature that does
    not match the configured secret, a limit): recorded with its reason, but its bytes are not marked
    loaded, so the same file lands once the setting is fixed."""


class Unreadable(Exception):
    """A file whose content cannot be read as a whole (a malformed workbook): it is quarantined whole with
    its name, and records read from it before the problem are not kept."""


class _Changed(Exception):
    """The file changed while it was being landed: nothing of it is kept, it lands on a later run."""


def display(path: Path | str) -> str:
    """A path as text that can be stored and shown: a name in another encoding (a Windows share writing
    CP932 bytes) keeps its undecodable bytes as \\x escapes instead of failing the insert."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")


def _exists(path: Path) -> bool:
    """Whether a path exists, without following a link and without failing on a name too long to exist."""
    try:
        os.lstat(path)
        return True
    except (OSError, ValueError):
        return False


@dataclass(slots=True)
class Item:
    """One record read from a file: either a parsed record, or the reason it could not be read."""

    position: int  # 1-based line, row or array index in the file; 0 for the file as a whole
    record: dict | None = None
    text: str | None = None  # the record exactly as read, when the reader has it
    error: str | None = None


WRITE_MODES = {
    "merge": "records are versions of an entity: staging keeps the latest landed version of each key",
    "append": "every record is an event: each one stays (staging may drop a re-delivered event by its key)",
}
_RAW_TABLE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class SourceFile:
    """The file a record comes from, as key fallbacks see it: its path and, when landing, its content hash."""

    path: Path
    sha256: str | None = None

    @property
    def name(self) -> str:
        return display(self.path.name)

    def row_key(self, position: int) -> str:
        """<file>@<content>#<row>: two files with one name (this month's and last month's) are two sets of
        records; the same bytes always give the same keys."""
        content = f"@{self.sha256[:12]}" if self.sha256 else ""
        return f"{self.name}{content}#{position}"


@dataclass(frozen=True)
class Fallback:
    """How a record's key is derived when none of the key fields has a value, said in words for messages
    and READMEs. `derive(record, file, position)` gets the record, its `SourceFile` and its position, and
    returns None when the record has nothing to derive the key from."""

    description: str
    derive: Callable[[dict, SourceFile, int], str | None]


FILE_ROW = Fallback("<file>@<content>#<row>", lambda record, file, position: file.row_key(position))


@dataclass(frozen=True)
class Key:
    """A record's key (raw.<table>.source_record_id): the first of `fields` with a value, else `fallback`.

    A field is a record key such as "id", or a dotted path into nested objects ("identifier.value"). Text
    is trimmed, and blank text counts as no value; a number is written as text; an object, a list or a
    boolean is not a key."""

    fields: tuple[str, ...] = ()
    fallback: Fallback | None = None

    def __post_init__(self) -> None:
        if isinstance(self.fields, str):
            raise TypeError(f"Key fields must be a tuple of field names, not the string {self.fields!r}")
        if not self.fields and self.fallback is None:
            raise ValueError("a Key needs at least one field or a fallback")

    def describe(self) -> str:
        parts = list(self.fields)
        if self.fallback is not None:
            parts.append(self.fallback.description)
        return ", else ".join(parts)

    def read(self, record: dict, file: SourceFile | Path, position: int) -> str | None:
        for name in self.fields:
            value = _field_value(record, name)
            if value is not None:
                return value
        if self.fallback is None:
            return None
        derived = self.fallback.derive(record, file if isinstance(file, SourceFile) else SourceFile(file), position)
        return derived or None


def _field_value(record: dict, name: str) -> str | None:
    value = record.get(name) if name in record else _dotted(record, name)
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _dotted(record: dict, name: str):
    value = record
    for part in name.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


@dataclass(frozen=True)
class Stream:
    """One stream as its connector package declares it; the loader enforces the declaration.

    - `folder` is relative to the landing folder in a declaration (`located` makes it absolute). A `*` in it
      makes one stream per subfolder (one per agency, one per ATS), and `{folder}` in `source` and `name`
      is replaced by the subfolder's name.
    - `patterns`: the file names the stream reads (`*.csv`, `api/candidates*.json`), matched without regard
      to case (`LIST.CSV` is a `*.csv`). Any other file in the folder is reported as unrecognised.
    - `write`: `merge` or `append` (see WRITE_MODES); the loader records it with each load in audit.loads.
    - `key`: how each record's key is read. A merge stream must declare one: a record without a key is
      quarantined with the declared key named. An append stream without one is keyed by
      <file>@<content>#<row>.
    - `holds_people`: each record is a person (a candidate record): it feeds identity resolution through
      the source's `stg_<source>__candidate_records` and appears in marts.candidate_crosswalk.
    - `duckdb_json`: JSON arrays and JSON Lines files are read by DuckDB itself (much faster than Python),
      keyed by the key's first field. Files DuckDB cannot parse, or with any object lacking that field,
      take the Python reader, which names each bad record and applies the whole key.
    - `settings_files`: files in the folder that configure the stream (`mapping.json`), not data.
    """

    source: str
    name: str
    raw_table: str
    folder: Path
    patterns: tuple[str, ...]
    read: Callable[[Path], Iterator[Item]]
    write: str
    holds_people: bool
    key: Key | None = None
    cursor: str = "file content hash (sha256): a file already loaded is skipped"
    duckdb_json: bool = False
    precheck: Callable[[Path], str | None] | None = None  # a whole-file check (e.g. a signature)
    settings_files: tuple[str, ...] = ()
    landing: Path | None = None  # the landing folder, once located

    def __post_init__(self) -> None:
        problems = []
        if self.write not in WRITE_MODES:
            problems.append(f"write must be one of {', '.join(WRITE_MODES)}, not {self.write!r}")
        if not isinstance(self.holds_people, bool):
            problems.append(f"holds_people must be True or False, not {self.holds_people!r}")
        if not _RAW_TABLE.match(self.raw_table):
            problems.append(f"raw_table {self.raw_table!r} is not a lower-case SQL name")
        if self.key is not None and not isinstance(self.key, Key):
            problems.append(f"key must be a Key, not {type(self.key).__name__}")
        if self.write == "merge" and self.key is None:
            problems.append("a merge stream must declare its key (the latest version of each key wins)")
        if self.duckdb_json and (self.key is None or not self.key.fields or not _RAW_TABLE.match(self.key.fields[0])):
            problems.append("duckdb_json needs a key whose first field is a plain top-level name")
        if isinstance(self.patterns, str):
            problems.append("patterns must be a tuple of glob patterns")
        if problems:
            raise ValueError(f"stream {self.name or '?'} ({self.source or '?'}): " + "; ".join(problems))
        if self.key is None:
            object.__setattr__(self, "key", Key(fallback=FILE_ROW))

    @property
    def json_key_path(self) -> str | None:
        return f"$.{self.key.fields[0]}" if self.duckdb_json else None

    def located(self, landing: Path) -> list[Stream]:
        """The stream under a landing folder: itself with an absolute folder, or one per subfolder. A
        subfolder that is a symbolic link is not a stream (`survey` reports it as refused)."""
        relative = str(self.folder)
        if "*" not in relative:
            return [replace(self, folder=landing / self.folder, landing=landing)]
        parent = landing / relative.split("*", 1)[0]
        if _linked_between(landing, parent):
            return []
        return [
            replace(
                self,
                source=self.source.format(folder=display(sub.name)),
                name=self.name.format(folder=display(sub.name)),
                folder=sub,
                landing=landing,
            )
            for sub in sorted(p for p in landing.glob(relative) if p.is_dir() and not p.is_symlink())
        ]

    def matches(self, relative: str | PurePosixPath) -> bool:
        """Whether a path relative to the stream's folder is one of its file names (case does not matter)."""
        parts = [part.lower() for part in PurePosixPath(relative).parts]
        for pattern in self.patterns:
            wanted = PurePosixPath(pattern.lower()).parts
            if len(wanted) == len(parts) and all(fnmatch.fnmatchcase(p, w) for p, w in zip(parts, wanted)):
                return True
        return False

    def files(self) -> list[Path]:
        """The stream's files: regular files whose names match its patterns. Links are never followed."""
        if self.landing is not None and _linked_between(self.landing, self.folder):
            return []
        if self.folder.is_symlink() or not self.folder.is_dir():
            return []
        depth = max(len(PurePosixPath(p).parts) for p in self.patterns) if self.patterns else 1
        found = [
            path for path, relative, entry in _walk(self.folder, depth) if _is_regular(entry) and self.matches(relative)
        ]
        return sorted(found)


def _linked_between(top: Path, folder: Path) -> bool:
    """Whether a folder below `top`, or `folder` itself, is a symbolic link."""
    try:
        relative = folder.relative_to(top)
    except ValueError:
        return False
    current = top
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            return True
    return False


def _walk(
    folder: Path, depth: int, prefix: PurePosixPath = PurePosixPath()
) -> Iterator[tuple[Path, PurePosixPath, os.DirEntry]]:
    """(path, path relative to `folder`, entry) for everything under a folder, `depth` levels deep, never
    entering a linked folder."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        relative = prefix / entry.name
        yield Path(entry.path), relative, entry
        if depth > 1 and entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path), depth - 1, relative)


def _is_regular(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file(follow_symlinks=False)
    except OSError:
        return False


# ---- what is under the source folders -------------------------------------------------------------------


@dataclass(frozen=True)
class FileNotice:
    """A file under a source folder that did not land this run, and why; never a value from the file."""

    source: str  # the source whose folder holds it, or the folder when it is no source's
    path: str  # absolute (display form), as audit.loads names files
    file: str  # relative to the landing folder
    kind: str  # unrecognised | refused | waiting
    reason: str


def survey(landing: Path, declared: Iterable[Stream], located: Iterable[Stream]) -> list[FileNotice]:
    """Every file under the source folders (the top folders the declarations use: ats/, agencies/,
    job_boards/ ...) that no stream reads: unrecognised names (with the names the folder's source reads),
    symbolic links and special files (refused: never followed or opened), partial uploads (waiting).
    Settings files (`mapping.json`), signature sidecars and `.done`/`.ok` markers beside their file are
    part of the stream. Files outside the source folders (a `truth.csv` beside them) are not looked at."""
    landing = Path(landing)
    declared = list(declared)
    by_folder: dict[Path, list[Stream]] = {}
    for stream in located:
        by_folder.setdefault(stream.folder, []).append(stream)
    wildcard_parents = {
        landing / str(d.folder).split("*", 1)[0].rstrip("/"): d for d in declared if "*" in str(d.folder)
    }
    tops = sorted({PurePosixPath(str(d.folder)).parts[0] for d in declared})
    notices: list[FileNotice] = []
    for top in tops:
        root = landing / top
        if root.is_symlink():
            notices.append(_refused(landing, root, top))
            continue
        if not root.is_dir():
            continue
        for path, _, entry in _walk(root, depth=64):
            if entry.is_symlink():
                notices.append(_refused(landing, path, _owner_source(path, by_folder, landing)))
            elif entry.is_dir(follow_symlinks=False) or entry.name in OS_LEFTOVERS or entry.name.startswith("._"):
                continue
            elif not _is_regular(entry):
                shown = _shown(landing, path)
                notices.append(
                    FileNotice(
                        _owner_source(path, by_folder, landing),
                        display(path),
                        shown,
                        "refused",
                        f"{shown}: not a regular file (a named pipe, socket or device): it is never opened; only plain "
                        "files land",
                    )
                )
            else:
                notice = _classify(landing, path, by_folder, wildcard_parents, declared)
                if notice is not None:
                    notices.append(notice)
    return notices


def _shown(landing: Path, path: Path) -> str:
    try:
        return display(path.relative_to(landing).as_posix())
    except ValueError:
        return display(path)


def _refused(landing: Path, path: Path, source: str) -> FileNotice:
    """A link is refused by its own name: where it points is neither read nor quoted."""
    shown = _shown(landing, path)
    return FileNotice(
        source,
        display(path),
        shown,
        "refused",
        f"{shown}: a symbolic link: links in the landing folder are never followed; put the file or folder itself "
        "there instead",
    )


def _owner(path: Path, by_folder: dict[Path, list[Stream]]) -> Path | None:
    for parent in path.parents:
        if parent in by_folder:
            return parent
    return None


def _owner_source(path: Path, by_folder: dict[Path, list[Stream]], landing: Path) -> str:
    owner = _owner(path, by_folder)
    return by_folder[owner][0].source if owner is not None else _shown(landing, path.parent)


def _is_companion(path: Path, streams: list[Stream], relative: PurePosixPath) -> bool:
    name, lower = path.name, path.name.lower()
    if len(relative.parts) == 1 and any(name == s for stream in streams for s in stream.settings_files):
        return True
    for suffix in SIDECAR_SUFFIXES + MARKER_SUFFIXES:
        if lower.endswith(suffix) and len(name) > len(suffix):
            base = name[: -len(suffix)]
            if _exists(path.with_name(base)):
                return True
            if suffix in MARKER_SUFFIXES and any(p.stem == base for p in path.parent.iterdir() if p != path):
                return True
    return False


def _classify(
    landing: Path,
    path: Path,
    by_folder: dict[Path, list[Stream]],
    wildcard_parents: dict[Path, Stream],
    declared: list[Stream],
) -> FileNotice | None:
    shown = _shown(landing, path)
    owner = _owner(path, by_folder)
    if path.name.lower().endswith(PARTIAL_SUFFIXES):
        source = by_folder[owner][0].source if owner is not None else _shown(landing, path.parent)
        reason = f"{shown}: still being written (a partial upload): it lands once complete under its own name"
        return FileNotice(source, display(path), shown, "waiting", reason)
    if owner is not None:
        streams = by_folder[owner]
        relative = PurePosixPath(path.relative_to(owner).as_posix())
        if any(stream.matches(relative) for stream in streams) or _is_companion(path, streams, relative):
            return None
        patterns = ", ".join(dict.fromkeys(p for stream in streams for p in stream.patterns))
        source = streams[0].source
        reason = (
            f"{shown}: not a file name {source} reads (it reads {patterns} in {_shown(landing, owner)}/): "
            "rename or convert it, or move it out of the landing folder"
        )
        return FileNotice(source, display(path), shown, "unrecognised", reason)
    if path.parent in wildcard_parents:
        declaration = wildcard_parents[path.parent]
        where = str(declaration.folder).replace("*", "<name>")
        reason = f"{shown}: files here go in a folder of their own, {where}/ (one per {declaration.source.split('_')[0]}): move it into one"
        return FileNotice(_shown(landing, path.parent), display(path), shown, "unrecognised", reason)
    top = PurePosixPath(path.relative_to(landing).as_posix()).parts[0]
    folders = sorted(
        {str(d.folder).replace("*", "<name>") + "/" for d in declared if PurePosixPath(str(d.folder)).parts[0] == top}
    )
    reason = (
        f"{shown}: {_shown(landing, path.parent)}/ is not a source folder: the source folders under {top}/ are "
        f"{', '.join(folders)}"
    )
    return FileNotice(_shown(landing, path.parent), display(path), shown, "unrecognised", reason)


def record_notices(con: duckdb.DuckDBPyConnection, notices: Iterable[FileNotice], run_id: str | None) -> None:
    """Keep each notice in audit.unlanded_files, one row per file and kind (seen again: counted, not repeated)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [(n.path, n.kind, n.source, n.reason, now, now, 1, run_id) for n in notices]
    if not rows:
        return
    con.executemany(
        """
        INSERT INTO audit.unlanded_files
            (file, kind, source, reason, first_seen_at, last_seen_at, times_seen, run_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (file, kind) DO UPDATE SET
            source = excluded.source, reason = excluded.reason, last_seen_at = excluded.last_seen_at,
            times_seen = times_seen + 1, run_id = excluded.run_id""",
        rows,
    )


# ---- files still being written ----------------------------------------------------------------------------


def stable_seconds_setting() -> float:
    """How long a file must be unchanged before it lands (CRM_LANDING_STABLE_SECONDS, default 60)."""
    raw = os.environ.get(STABLE_SECONDS_SETTING, "").strip()
    if not raw:
        return DEFAULT_STABLE_SECONDS
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(
            f"{STABLE_SECONDS_SETTING}={raw!r} is not a number of seconds: set it to how long a file must be "
            "unchanged before it lands (0 lands at once, the default is 60)"
        ) from None
    return max(value, 0.0)


def _marker(path: Path) -> bool:
    candidates = [path.name + s for s in MARKER_SUFFIXES] + [path.stem + s for s in MARKER_SUFFIXES]
    return any(_exists(path.with_name(name)) or _exists(path.with_name(name.upper())) for name in candidates)


def still_being_written(path: Path, stable_seconds: float, now: float | None = None) -> str | None:
    """Why a file must wait (changed less than `stable_seconds` ago, and no .done/.ok marker), or None."""
    if stable_seconds <= 0 or _marker(path):
        return None
    age = (time.time() if now is None else now) - os.lstat(path).st_mtime
    if age >= stable_seconds:
        return None
    return (
        f"{display(path.name)}: still being written (changed {max(age, 0):.0f} s ago): it lands once unchanged for "
        f"{stable_seconds:g} s ({STABLE_SECONDS_SETTING}), or at once beside a <file>.done marker"
    )


def wait_until_stable(paths: Iterable[Path], stable_seconds: float, sleep=time.sleep) -> float:
    """Wait once, at most `stable_seconds`, until every file changed less than `stable_seconds` ago has been
    unchanged that long (the files just dropped or generated land in this run; one still growing waits for
    the next). Returns the seconds waited."""
    if stable_seconds <= 0:
        return 0.0
    now, needed = time.time(), 0.0
    for path in paths:
        try:
            age = now - os.lstat(path).st_mtime
        except OSError:
            continue
        if age < stable_seconds and not _marker(path):
            needed = max(needed, stable_seconds - max(age, 0.0))
    if needed > 0:
        sleep(needed)
    return needed


def _identity(info: os.stat_result) -> tuple:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, stat.S_IFMT(info.st_mode))


def _check_unchanged(path: Path, before: tuple) -> None:
    try:
        now = _identity(os.lstat(path))
    except OSError:
        now = None
    if now != before:
        raise _Changed()


# ---- landing a file ---------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    load_id: str
    source: str
    stream: str
    file: str
    status: str  # loaded | skipped | rejected | failed | waiting | refused
    records_read: int = 0
    records_landed: int = 0
    records_quarantined: int = 0
    message: str = ""
    reasons: list[str] = field(default_factory=list)
    write_mode: str = ""  # the stream's declared write semantics (merge | append), also in audit.loads


def file_sha256(path: Path) -> str:
    """The content hash, read without following a link."""
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _new_load_id(stream: str) -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{stream}-{uuid.uuid4().hex[:8]}"


def land_file(con: duckdb.DuckDBPyConnection, stream: Stream, path: Path, run_id: str | None = None) -> LoadResult:
    """Land one file. Idempotent: a file whose content was loaded before is skipped."""
    shown, name = display(path), display(path.name)

    def outcome(status: str, message: str) -> LoadResult:
        return LoadResult("", stream.source, stream.name, shown, status, message=message, write_mode=stream.write)

    try:
        info = os.lstat(path)
    except OSError:
        return outcome("waiting", f"{name}: gone before it could be landed (moved or renamed while the run listed it)")
    if stat.S_ISLNK(info.st_mode):
        return outcome(
            "refused", f"{name}: a symbolic link: links are never followed; copy the file itself into the folder"
        )
    if not stat.S_ISREG(info.st_mode):
        return outcome("refused", f"{name}: not a regular file: it is never opened; only plain files land")
    before = _identity(info)
    try:
        sha = file_sha256(path)
    except OSError as problem:  # unreadable (permissions), or swapped for a link since it was listed
        return outcome(
            "failed", f"{name}: cannot be opened ({type(problem).__name__}): check its permissions; it is tried again"
        )
    earlier = scalar(
        con,
        "SELECT file FROM audit.loads WHERE stream = ? AND file_sha256 = ? AND status = 'loaded' LIMIT 1",
        [stream.name, sha],
    )
    if earlier is not None:
        return outcome("skipped", f"already loaded from {earlier}")

    load_id = _new_load_id(stream.name)
    started = datetime.now(UTC).replace(tzinfo=None)
    result = LoadResult(load_id, stream.source, stream.name, shown, "loaded", write_mode=stream.write)
    try:
        if _stage_json_in_duckdb(con, stream, path):
            return _land_staged_json(con, stream, path, sha, result, started, run_id, before)
        return _land_records(con, stream, path, sha, result, started, run_id, before)
    except _Changed:
        return outcome(
            "waiting",
            f"{name}: changed while it was being landed: nothing of it was kept; it lands on a later run once "
            "unchanged",
        )
    except Rejected as problem:
        return _not_loaded(con, stream, path, sha, result, started, run_id, "rejected", f"{name}: {problem}")
    except Unreadable as problem:
        return _not_loaded(con, stream, path, sha, result, started, run_id, "loaded", f"{name}: {problem}")
    except duckdb.Error:
        raise
    except Exception as problem:  # a reader broke on this file: the other files and sources go on
        reason = (
            f"{name}: could not be read ({type(problem).__name__}): nothing of it landed; it is tried again on the "
            "next run (report it with the file if it stays)"
        )
        return _not_loaded(con, stream, path, sha, result, started, run_id, "failed", reason)


def _land_records(
    con, stream: Stream, path: Path, sha: str, result: LoadResult, started: datetime, run_id: str | None, before
) -> LoadResult:
    batch = _RawBatch(result.load_id, stream.source, result.file, started)
    quarantined: list[tuple] = []
    read = landed = 0
    source_file = SourceFile(path, sha)
    key_of, dumps, name = stream.key.read, orjson.dumps, display(path.name)  # the loop runs once per record
    # A parsed file is hundreds of thousands of small dicts: the cyclic garbage collector would walk them
    # again and again (it once took a third of landing time). Nothing here makes reference cycles.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with transaction(con):
            for item in stream.read(path):
                read += 1
                error = item.error
                key = None
                if error is None:
                    try:
                        key = key_of(item.record, source_file, item.position)
                    except (KeyError, TypeError, ValueError, AttributeError) as exc:
                        error = f"cannot read the record key ({stream.key.describe()}): {type(exc).__name__}"
                    else:
                        if key is None:
                            error = f"no key: the record has no {stream.key.describe()}"
                if error is not None:
                    raw = item.text if item.text is not None else (dumps(item.record).decode() if item.record else None)
                    reason = f"{name}, record {item.position}: {error}"
                    quarantined.append(
                        (
                            result.load_id,
                            stream.source,
                            result.file,
                            item.position,
                            reason,
                            raw[:RAW_PREVIEW_CHARS] if raw else None,
                        )
                    )
                    if len(result.reasons) < 5:
                        result.reasons.append(reason)
                    continue
                batch.add(item.position, key, item.text if item.text is not None else dumps(item.record).decode())
                landed += 1
                if batch.size >= BATCH_ROWS:
                    batch.flush(con, stream.raw_table)
            batch.flush(con, stream.raw_table)
            result.records_read, result.records_landed = read, landed
            result.records_quarantined = len(quarantined)
            if quarantined:
                con.executemany("INSERT INTO audit.quarantine VALUES (?, ?, ?, ?, ?, ?)", quarantined)
            _audit(con, stream, result.file, sha, result, started, run_id)
            _check_unchanged(path, before)
    except BaseException:
        result.records_read = result.records_landed = result.records_quarantined = 0
        result.reasons = []
        raise
    finally:
        if collecting:
            gc.enable()
    return result


def _not_loaded(
    con, stream: Stream, path: Path, sha: str, result: LoadResult, started: datetime, run_id, status: str, reason: str
) -> LoadResult:
    """A file that did not land as records: one quarantine row for the whole file (position 0) and its load
    in audit.loads. `loaded` marks the bytes as loaded (a broken file stays broken); `rejected` (a setting)
    and `failed` (a reader broke) do not, so the file lands once the cause is fixed. The same rejection of the
    same bytes is recorded once, however many runs see it."""
    result.status, result.message, result.reasons = status, reason, [reason]
    result.records_read, result.records_landed, result.records_quarantined = 1, 0, 1
    if status != "loaded":
        earlier = scalar(
            con,
            "SELECT load_id FROM audit.loads WHERE stream = ? AND file_sha256 = ? AND status = ? AND message = ? LIMIT 1",
            [stream.name, sha, status, reason],
        )
        if earlier is not None:
            result.load_id = earlier
            return result
    with transaction(con):
        con.execute(
            "INSERT INTO audit.quarantine VALUES (?, ?, ?, 0, ?, NULL)",
            [result.load_id, stream.source, result.file, reason],
        )
        _audit(con, stream, result.file, sha, result, started, run_id)
    return result


def _audit(con, stream: Stream, file: str, sha: str, result: LoadResult, started: datetime, run_id: str | None) -> None:
    if result.records_read == 0:
        result.message = "empty file: no records"
    con.execute(
        """
        INSERT INTO audit.loads (
            load_id, source, stream, file, file_sha256, records_read, records_landed, records_quarantined,
            status, message, started_at, finished_at, run_id, write_mode
        ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            result.load_id,
            stream.source,
            stream.name,
            file,
            sha,
            result.records_read,
            result.records_landed,
            result.records_quarantined,
            result.status,
            result.message or None,
            started,
            datetime.now(UTC).replace(tzinfo=None),
            run_id,
            stream.write,
        ],
    )


_GLOB_CHARACTERS = re.compile(r"[*?\[\]{}]")


def _stage_json_in_duckdb(con: duckdb.DuckDBPyConnection, stream: Stream, path: Path) -> bool:
    """Read a JSON array or JSON Lines file with DuckDB into the temp table _incoming. False (and nothing
    staged) when the Python reader must take the file: not JSON DuckDB can parse, a failed precheck, an
    object without its key, or a name DuckDB would read as a glob pattern (candidates[1].json) or cannot
    be given (not UTF-8)."""
    suffix = path.suffix.lower()
    if stream.json_key_path is None or suffix not in (".json", ".jsonl"):
        return False
    if _GLOB_CHARACTERS.search(str(path)) or display(path) != str(path):
        return False
    if stream.precheck is not None and stream.precheck(path) is not None:
        return False
    if suffix == ".json":
        with open(path, "rb") as fh:
            if fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")[:1] != b"[":
                return False  # a single object or an API envelope: the Python reader unwraps it
    form = "newline_delimited" if suffix == ".jsonl" else "array"
    try:
        # each record is parsed here once for its type and key; the steps below reuse the columns
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _incoming AS
            SELECT row_number() OVER () AS record_position, json AS record, json_type(json) AS kind,
                   nullif(trim(json_extract_string(json, '{stream.json_key_path}')), '') AS record_key
            FROM read_json_objects(?, format = '{form}')""",
            [str(path)],
        )
        keyless = con.execute("""
            SELECT count(*) FROM _incoming
            WHERE kind = 'OBJECT' AND record_key IS NULL""").fetchone()[0]
    except duckdb.Error:
        con.execute("DROP TABLE IF EXISTS _incoming")
        return False
    if keyless:
        con.execute("DROP TABLE _incoming")
        return False
    return True


def _land_staged_json(
    con, stream: Stream, path: Path, sha: str, result: LoadResult, started: datetime, run_id: str | None, before
) -> LoadResult:
    lineage = [result.load_id, stream.source, result.file, started]
    try:
        with transaction(con):
            con.execute(
                f"""
                INSERT INTO raw.{stream.raw_table}
                SELECT ?, ?, ?, record_position, ?, record_key, record
                FROM _incoming WHERE kind = 'OBJECT'""",
                lineage,
            )
            con.execute(
                """
                INSERT INTO audit.quarantine
                SELECT ?, ?, ?, record_position,
                       ? || ', record ' || record_position || ': array element ' || record_position || ' is a JSON '
                         || lower(kind) || ', not an object',
                       left(CAST(record AS VARCHAR), ?)
                FROM _incoming WHERE kind <> 'OBJECT'""",
                [result.load_id, stream.source, result.file, display(path.name), RAW_PREVIEW_CHARS],
            )
            read, landed = con.execute(
                "SELECT count(*), count(*) FILTER (WHERE kind = 'OBJECT') FROM _incoming"
            ).fetchone()
            result.records_read, result.records_landed, result.records_quarantined = read, landed, read - landed
            result.reasons = [
                r[0]
                for r in con.execute(
                    "SELECT reason FROM audit.quarantine WHERE load_id = ? ORDER BY record_position LIMIT 5",
                    [result.load_id],
                ).fetchall()
            ]
            _audit(con, stream, result.file, sha, result, started, run_id)
            _check_unchanged(path, before)
    finally:
        con.execute("DROP TABLE IF EXISTS _incoming")
    return result


def land_stream(
    con: duckdb.DuckDBPyConnection,
    stream: Stream,
    run_id: str | None = None,
    archive: Path | None = None,
    stable_seconds: float = 0.0,
) -> list[LoadResult]:
    """Land every file of a stream. A file changed less than `stable_seconds` ago (without a .done/.ok
    marker) waits for a later run. With `archive`, each file is moved there once its load is committed (or
    once it is known to be a copy of a file loaded before): kept, never deleted. A file rejected for a
    setting, or still being written, stays where it is."""
    results = []
    for path in stream.files():
        try:
            waiting = still_being_written(path, stable_seconds)
        except OSError:
            waiting = f"{display(path.name)}: gone before it could be landed"
        if waiting:
            results.append(
                LoadResult(
                    "", stream.source, stream.name, display(path), "waiting", message=waiting, write_mode=stream.write
                )
            )
            continue
        result = land_file(con, stream, path, run_id)
        if archive is not None and result.status in ("loaded", "skipped"):
            archive_file(path, archive, result)
        results.append(result)
    return results


def _fits(name: str, room: int) -> str:
    """`name` shortened to `room` bytes (keeping its extension and whole characters), made unique."""
    suffix = Path(name).suffix if len(os.fsencode(Path(name).suffix)) < 20 else ""
    tag = f".{uuid.uuid4().hex[:8]}{suffix}"
    budget = room - len(os.fsencode(tag))
    stem, used = [], 0
    for character in name[: len(name) - len(suffix)] if suffix else name:
        size = len(os.fsencode(character))
        if used + size > budget:
            break
        stem.append(character)
        used += size
    return "".join(stem) + tag


def archive_of(file: str | Path, landing: str | Path | None = None) -> Path | None:
    """The `_archive` folder a file dropped at `file` moves into: `<landing>/_archive` when the landing folder
    is known, else the nearest `_archive` above the file (the landing folder's own)."""
    roots = ([Path(landing)] if landing else []) + list(Path(file).parents)
    return next((root / "_archive" for root in dict.fromkeys(roots) if (root / "_archive").is_dir()), None)


def where_landed_file_is(file: str | Path, load_id: str, landing: str | Path | None = None) -> list[Path]:
    """Where a landed file is now: still where it was dropped, and/or where archive_file moved it,
    `<landing>/_archive/<source>/<load id>/` (its name shortened there if it had to be). Companions
    (.sig, .done, .ok) are left out. Empty when it was moved or deleted since."""
    dropped = Path(file)
    places = [dropped] if _regular_file(dropped) else []
    archive = archive_of(dropped, landing)
    if archive is not None:
        for folder in archive.glob(f"*/{glob.escape(load_id)}"):
            places += [
                p for p in sorted(folder.iterdir()) if _regular_file(p) and not p.name.endswith(COMPANION_SUFFIXES)
            ]
    return places


def _regular_file(path: Path) -> bool:
    try:
        return path.is_file() and not path.is_symlink()
    except OSError:
        return False


def archive_file(path: Path, archive: Path, result: LoadResult) -> Path | None:
    """Move a landed file (and its .sig and .done/.ok companions) to <archive>/<load id>/, or
    <archive>/duplicates/ for a copy. Never fails after the load committed: a file that cannot be moved
    stays in the landing folder (it is skipped as already loaded next time) and the result says so."""
    folder_name = result.load_id if result.status == "loaded" else "duplicates"
    if len(os.fsencode(folder_name)) > NAME_MAX_BYTES:  # a long agency folder name makes a long load id
        folder_name = _fits(folder_name, NAME_MAX_BYTES)
    folder = archive / folder_name
    companions = [
        path.with_name(path.name + suffix)
        for suffix in SIDECAR_SUFFIXES + MARKER_SUFFIXES
        if _exists(path.with_name(path.name + suffix))
    ] + [path.with_name(path.stem + s) for s in MARKER_SUFFIXES if _exists(path.with_name(path.stem + s))]
    room = (
        NAME_MAX_BYTES - max(len(os.fsencode(c.name)) - len(os.fsencode(path.name)) for c in companions)
        if companions
        else NAME_MAX_BYTES
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / path.name
        if _exists(target) or len(os.fsencode(path.name)) > room:
            target = folder / _fits(path.name, room)
        path.rename(target)
        for companion in companions:
            if companion.name.startswith(path.name):
                companion.rename(target.with_name(target.name + companion.name[len(path.name) :]))
            else:
                companion.rename(target.with_name(target.stem + companion.name[len(path.stem) :]))
    except OSError as problem:
        result.message = (result.message + "; " if result.message else "") + (
            f"left in the landing folder, not archived ({type(problem).__name__}: {problem.strerror or 'error'})"
        )
        return None
    result.file = display(target) if result.status != "loaded" else result.file
    return target


class _RawBatch:
    """Column buffers for one file's raw rows, flushed to DuckDB through Arrow (no per-row INSERTs).
    Only what varies per record is buffered; the lineage of the load is filled in at flush."""

    def __init__(self, load_id: str, source: str, file: str, loaded_at: datetime) -> None:
        self._lineage = (load_id, source, file, loaded_at)
        self.positions: list[int] = []
        self.keys: list[str] = []
        self.texts: list[str] = []

    @property
    def size(self) -> int:
        return len(self.positions)

    def add(self, position: int, key: str, text: str) -> None:
        self.positions.append(position)
        self.keys.append(key)
        self.texts.append(text)

    def flush(self, con: duckdb.DuckDBPyConnection, table: str) -> None:
        n = self.size
        if not n:
            return
        load_id, source, file, loaded_at = self._lineage
        arrow = pa.table(
            {
                "load_id": pa.repeat(pa.scalar(load_id, pa.string()), n),
                "source": pa.repeat(pa.scalar(source, pa.string()), n),
                "file": pa.repeat(pa.scalar(file, pa.string()), n),
                "record_position": pa.array(self.positions, pa.int64()),
                "loaded_at": pa.repeat(pa.scalar(loaded_at, pa.timestamp("us")), n),
                "source_record_id": pa.array(self.keys, pa.string()),
                "record": pa.array(self.texts, pa.string()),
            }
        )
        con.register("_raw_batch", arrow)
        try:
            con.execute(f"INSERT INTO raw.{table} SELECT * FROM _raw_batch")
        finally:
            con.unregister("_raw_batch")
        self.positions, self.keys, self.texts = [], [], []
