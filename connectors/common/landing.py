"""Landing: files into raw tables, one audited load per file, every record landed or quarantined.

A stream declares where its files are, how to read them, its key, its write semantics (merge or append)
and whether its records are people. This module does the rest the same way for every source: skip files
already loaded (by content hash), write records to `raw.<table>` with lineage columns and their key,
write unreadable ones (and, for a merge stream, records without a key) to `audit.quarantine` with the
reason, and record the counts and the write mode in `audit.loads`, all in one transaction per file.

Landing judges whether a record can be read and keyed, never whether a field's value is right: a record
with a bad date lands as it is, and staging nulls the value and records the problem (marts.field_issues).
"""

from __future__ import annotations

import gc
import hashlib
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import orjson
import pyarrow as pa

from crm.warehouse import scalar, transaction

BATCH_ROWS = 50_000
RAW_PREVIEW_CHARS = 2_000


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
class Fallback:
    """How a record's key is derived when none of the key fields has a value, said in words for messages
    and READMEs. `derive` returns None when the record has nothing to derive the key from."""

    description: str
    derive: Callable[[dict, Path, int], str | None]


FILE_ROW = Fallback("<file>#<row>", lambda record, path, position: f"{path.name}#{position}")


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

    def read(self, record: dict, path: Path, position: int) -> str | None:
        for name in self.fields:
            value = _field_value(record, name)
            if value is not None:
                return value
        if self.fallback is None:
            return None
        derived = self.fallback.derive(record, path, position)
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
    - `write`: `merge` or `append` (see WRITE_MODES); the loader records it with each load in audit.loads.
    - `key`: how each record's key is read. A merge stream must declare one: a record without a key is
      quarantined with the declared key named. An append stream without one is keyed by <file>#<row>.
    - `holds_people`: each record is a person (a candidate record): it feeds identity resolution through
      the source's `stg_<source>__candidate_records` and appears in marts.candidate_crosswalk.
    - `duckdb_json`: JSON arrays and JSON Lines files are read by DuckDB itself (much faster than Python),
      keyed by the key's first field. Files DuckDB cannot parse, or with any object lacking that field,
      take the Python reader, which names each bad record and applies the whole key.
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
        """The stream under a landing folder: itself with an absolute folder, or one per subfolder."""
        relative = str(self.folder)
        if "*" not in relative:
            return [replace(self, folder=landing / self.folder)]
        return [
            replace(
                self,
                source=self.source.format(folder=sub.name),
                name=self.name.format(folder=sub.name),
                folder=sub,
            )
            for sub in sorted(p for p in landing.glob(relative) if p.is_dir())
        ]

    def files(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        found = {p for pattern in self.patterns for p in self.folder.glob(pattern) if p.is_file()}
        return sorted(found)


@dataclass
class LoadResult:
    load_id: str
    source: str
    stream: str
    file: str
    status: str  # loaded | skipped | failed
    records_read: int = 0
    records_landed: int = 0
    records_quarantined: int = 0
    message: str = ""
    reasons: list[str] = field(default_factory=list)
    write_mode: str = ""  # the stream's declared write semantics (merge | append), also in audit.loads


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _new_load_id(stream: str) -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{stream}-{uuid.uuid4().hex[:8]}"


def land_file(con: duckdb.DuckDBPyConnection, stream: Stream, path: Path, run_id: str | None = None) -> LoadResult:
    """Land one file. Idempotent: a file whose content was loaded before is skipped."""
    sha = file_sha256(path)
    earlier = scalar(
        con,
        "SELECT file FROM audit.loads WHERE stream = ? AND file_sha256 = ? AND status = 'loaded' LIMIT 1",
        [stream.name, sha],
    )
    if earlier is not None:
        return LoadResult(
            "",
            stream.source,
            stream.name,
            str(path),
            "skipped",
            message=f"already loaded from {earlier}",
            write_mode=stream.write,
        )

    load_id = _new_load_id(stream.name)
    started = datetime.now(UTC).replace(tzinfo=None)
    result = LoadResult(load_id, stream.source, stream.name, str(path), "loaded", write_mode=stream.write)
    if _stage_json_in_duckdb(con, stream, path):
        return _land_staged_json(con, stream, path, sha, result, started, run_id)
    batch = _RawBatch(load_id, stream.source, str(path), started)
    quarantined: list[tuple] = []
    read = landed = 0
    key_of, dumps = stream.key.read, orjson.dumps  # the loop below runs once per record: keep lookups local
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
                        key = key_of(item.record, path, item.position)
                    except (KeyError, TypeError, ValueError, AttributeError) as exc:
                        error = f"cannot read the record key ({stream.key.describe()}): {exc}"
                    else:
                        if key is None:
                            error = f"no key: the record has no {stream.key.describe()}"
                if error is not None:
                    raw = item.text if item.text is not None else (dumps(item.record).decode() if item.record else None)
                    reason = f"{path.name}, record {item.position}: {error}"
                    quarantined.append(
                        (
                            load_id,
                            stream.source,
                            str(path),
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
            _audit(con, stream, path, sha, result, started, run_id)
    finally:
        if collecting:
            gc.enable()
    return result


def _audit(
    con, stream: Stream, path: Path, sha: str, result: LoadResult, started: datetime, run_id: str | None
) -> None:
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
            str(path),
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


def _stage_json_in_duckdb(con: duckdb.DuckDBPyConnection, stream: Stream, path: Path) -> bool:
    """Read a JSON array or JSON Lines file with DuckDB into the temp table _incoming. False (and nothing
    staged) when the Python reader must take the file: not JSON DuckDB can parse, a failed precheck, or an
    object without its key."""
    suffix = path.suffix.lower()
    if stream.json_key_path is None or suffix not in (".json", ".jsonl"):
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
    con, stream: Stream, path: Path, sha: str, result: LoadResult, started: datetime, run_id: str | None
) -> LoadResult:
    lineage = [result.load_id, stream.source, str(path), started]
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
                [result.load_id, stream.source, str(path), path.name, RAW_PREVIEW_CHARS],
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
            _audit(con, stream, path, sha, result, started, run_id)
    finally:
        con.execute("DROP TABLE IF EXISTS _incoming")
    return result


def land_stream(
    con: duckdb.DuckDBPyConnection, stream: Stream, run_id: str | None = None, archive: Path | None = None
) -> list[LoadResult]:
    """Land every file of a stream. With `archive`, each file is moved there once its load is committed
    (or once it is known to be a copy of a file loaded before): kept, never deleted."""
    results = []
    for path in stream.files():
        result = land_file(con, stream, path, run_id)
        if archive is not None:
            archive_file(path, archive, result)
        results.append(result)
    return results


def archive_file(path: Path, archive: Path, result: LoadResult) -> Path:
    """Move a landed file (and its .sig sidecar) to <archive>/<load id>/, or <archive>/duplicates/ for a copy."""
    folder = archive / (result.load_id if result.status == "loaded" else "duplicates")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists():
        target = folder / f"{path.stem}.{uuid.uuid4().hex[:8]}{path.suffix}"
    path.rename(target)
    sidecar = path.with_name(path.name + ".sig")
    if sidecar.exists():
        sidecar.rename(target.with_name(target.name + ".sig"))
    result.file = str(target) if result.status != "loaded" else result.file
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
