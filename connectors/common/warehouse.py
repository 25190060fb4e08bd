"""The DuckDB warehouse: where it lives, how to open it briefly, and the tables the loaders own.

Connections are short-lived on purpose: dbt-duckdb and the flow share one file, and DuckDB lets only
one process write to it. Open, do the work, close.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

import duckdb

RAW_COLUMNS = """
    load_id          VARCHAR NOT NULL,
    source           VARCHAR NOT NULL,
    file             VARCHAR NOT NULL,
    record_position  BIGINT  NOT NULL,
    loaded_at        TIMESTAMP NOT NULL,
    source_record_id VARCHAR,
    record           JSON    NOT NULL
"""

DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS audit;
CREATE SCHEMA IF NOT EXISTS outbox;
CREATE TABLE IF NOT EXISTS audit.loads (
    load_id             VARCHAR PRIMARY KEY,
    source              VARCHAR NOT NULL,
    stream              VARCHAR NOT NULL,
    file                VARCHAR NOT NULL,
    file_sha256         VARCHAR,
    records_read        BIGINT NOT NULL DEFAULT 0,
    records_landed      BIGINT NOT NULL DEFAULT 0,
    records_quarantined BIGINT NOT NULL DEFAULT 0,
    status              VARCHAR NOT NULL,
    message             VARCHAR,
    started_at          TIMESTAMP NOT NULL,
    finished_at         TIMESTAMP
);
CREATE TABLE IF NOT EXISTS audit.quarantine (
    load_id          VARCHAR NOT NULL,
    source           VARCHAR NOT NULL,
    file             VARCHAR NOT NULL,
    record_position  BIGINT NOT NULL,
    reason           VARCHAR NOT NULL,
    raw_record       VARCHAR
);
"""


def resolve(path: str | Path) -> Path:
    """Absolute path: DuckDB resolves relative paths against the process's working directory."""
    return Path(path).expanduser().resolve()


@contextlib.contextmanager
def connect(path: str | Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    path = resolve(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def ensure_schema(con: duckdb.DuckDBPyConnection, raw_tables: list[str]) -> None:
    con.execute(DDL)
    for table in raw_tables:
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{table} ({RAW_COLUMNS})")


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    row = con.execute(sql, params or []).fetchone()
    return None if row is None else row[0]
