"""Landing: files into raw tables, one audited load per file, every record landed or quarantined.

A stream says where its files are, how to read them, and how to find a record's key. This module does
the rest the same way for every source: skip files already loaded (by content hash), write records to
`raw.<table>` with lineage columns, write unreadable ones to `audit.quarantine` with the reason, and
record the counts in `audit.loads`, all in one transaction per file.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import orjson
import pyarrow as pa

from .warehouse import scalar

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
    return f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{stream}-{uuid.uuid4().hex[:8]}"


def land_file(con: duckdb.DuckDBPyConnection, stream: Stream, path: Path, run_id: str | None = None) -> LoadResult:
    """Land one file. Idempotent: a file whose content was loaded before is skipped."""
    sha = file_sha256(path)
    earlier = scalar(
        con,
        "SELECT file FROM audit.loads WHERE stream = ? AND file_sha256 = ? AND status = 'loaded' LIMIT 1",
        [stream.name, sha],
    )
    if earlier is not None:
        return LoadResult("", stream.source, stream.name, str(path), "skipped", message=f"already loaded from {earlier}")

    load_id = _new_load_id(stream.name)
    started = datetime.now(timezone.utc).replace(tzinfo=None)
    result = LoadResult(load_id, stream.source, stream.name, str(path), "loaded")
    batch = _RawBatch()
    quarantined: list[tuple] = []
    con.execute("BEGIN TRANSACTION")
    try:
        for item in stream.read(path):
            result.records_read += 1
            key = None
            if item.error is None:
                try:
                    key = stream.key(item.record, path, item.position)
                except (KeyError, TypeError, ValueError) as exc:
                    item.error = f"cannot read the record key ({stream.primary_key}): {exc}"
                else:
                    if key is None or key == "":
                        item.error = f"missing required field {stream.primary_key}"
            if item.error is not None:
                raw = item.text if item.text is not None else (orjson.dumps(item.record).decode() if item.record else None)
                reason = f"{path.name}, record {item.position}: {item.error}"
                quarantined.append((load_id, stream.source, str(path), item.position, reason,
                                    raw[:RAW_PREVIEW_CHARS] if raw else None))
                result.records_quarantined += 1
                if len(result.reasons) < 5:
                    result.reasons.append(reason)
                continue
            text = item.text if item.text is not None else orjson.dumps(item.record).decode()
            batch.add(load_id, stream.source, str(path), item.position, started, key, text)
            result.records_landed += 1
            if len(batch) >= BATCH_ROWS:
                batch.flush(con, stream.raw_table)
        batch.flush(con, stream.raw_table)
        if quarantined:
            con.executemany("INSERT INTO audit.quarantine VALUES (?, ?, ?, ?, ?, ?)", quarantined)
        if result.records_read == 0:
            result.message = "empty file: no records"
        con.execute(
            "INSERT INTO audit.loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            [load_id, stream.source, stream.name, str(path), sha, result.records_read, result.records_landed,
             result.records_quarantined, result.status, result.message or None, started,
             datetime.now(timezone.utc).replace(tzinfo=None), run_id],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return result


def land_stream(con: duckdb.DuckDBPyConnection, stream: Stream, run_id: str | None = None) -> list[LoadResult]:
    return [land_file(con, stream, path, run_id) for path in stream.files()]


class _RawBatch:
    """Column buffers for raw rows, flushed to DuckDB through Arrow (no per-row INSERTs)."""

    def __init__(self) -> None:
        self._cols: tuple[list, ...] = tuple([] for _ in range(7))

    def __len__(self) -> int:
        return len(self._cols[0])

    def add(self, *values) -> None:
        for column, value in zip(self._cols, values):
            column.append(value)

    def flush(self, con: duckdb.DuckDBPyConnection, table: str) -> None:
        if not len(self):
            return
        arrow = pa.table(
            {
                "load_id": pa.array(self._cols[0], pa.string()),
                "source": pa.array(self._cols[1], pa.string()),
                "file": pa.array(self._cols[2], pa.string()),
                "record_position": pa.array(self._cols[3], pa.int64()),
                "loaded_at": pa.array(self._cols[4], pa.timestamp("us")),
                "source_record_id": pa.array(self._cols[5], pa.string()),
                "record": pa.array(self._cols[6], pa.string()),
            }
        )
        con.register("_raw_batch", arrow)
        try:
            con.execute(f"INSERT INTO raw.{table} SELECT * FROM _raw_batch")
        finally:
            con.unregister("_raw_batch")
        for column in self._cols:
            column.clear()
