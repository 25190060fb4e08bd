"""Landing: files into raw tables, one audited load per file, every record landed or quarantined.

A stream says where its files are, how to read them, and how to find a record's key. This module does
the rest the same way for every source: skip files already loaded (by content hash), write records to
`raw.<table>` with lineage columns, write unreadable ones to `audit.quarantine` with the reason, and
record the counts in `audit.loads`, all in one transaction per file.
"""

from __future__ import annotations

import gc
import hashlib
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Stream:
    source: str
    name: str
    raw_table: str
    folder: Path
    patterns: tuple[str, ...]
    read: Callable[[Path], Iterator[Item]]
    key: Callable[[dict, Path, int], str | None]
    primary_key: str
    cursor: str = "file content hash (sha256): a file already loaded is skipped"
    write_mode: str = "merge"  # staging keeps the latest version of each primary key
    # JSONPath of the key: lets DuckDB read JSON files itself (much faster than Python). Files DuckDB cannot
    # parse, or with any object lacking the key, take the Python reader, which names each bad record.
    json_key_path: str | None = None
    precheck: Callable[[Path], str | None] | None = None  # a whole-file check (e.g. a signature)

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
            "", stream.source, stream.name, str(path), "skipped", message=f"already loaded from {earlier}"
        )

    load_id = _new_load_id(stream.name)
    started = datetime.now(UTC).replace(tzinfo=None)
    result = LoadResult(load_id, stream.source, stream.name, str(path), "loaded")
    if _stage_json_in_duckdb(con, stream, path):
        return _land_staged_json(con, stream, path, sha, result, started, run_id)
    batch = _RawBatch(load_id, stream.source, str(path), started)
    quarantined: list[tuple] = []
    read = landed = 0
    key_of, dumps = stream.key, orjson.dumps  # the loop below runs once per record: keep lookups local
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
                    except (KeyError, TypeError, ValueError) as exc:
                        error = f"cannot read the record key ({stream.primary_key}): {exc}"
                    else:
                        if key is None or key == "":
                            error = f"missing required field {stream.primary_key}"
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
        "INSERT INTO audit.loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
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
                   json_extract_string(json, '{stream.json_key_path}') AS record_key
            FROM read_json_objects(?, format = '{form}')""",
            [str(path)],
        )
        keyless = con.execute("""
            SELECT count(*) FROM _incoming
            WHERE kind = 'OBJECT' AND coalesce(record_key, '') = ''""").fetchone()[0]
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
