"""The DuckDB warehouse: where it lives, how to open it briefly, and the tables Python owns (raw,
audit, outbox); dbt owns the rest.

Connections are short-lived on purpose: dbt-duckdb and the flow share one file, and DuckDB lets only
one process write to it. Open, do the work, close.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

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
    finished_at         TIMESTAMP,
    run_id              VARCHAR
);
CREATE TABLE IF NOT EXISTS outbox.send_ledger (
    candidate_id  VARCHAR NOT NULL,
    campaign_id   VARCHAR NOT NULL,
    step          VARCHAR NOT NULL,
    batch_id      VARCHAR NOT NULL,
    mode          VARCHAR NOT NULL,
    status        VARCHAR NOT NULL,
    message_id    VARCHAR,
    run_id        VARCHAR,
    recorded_at   TIMESTAMP NOT NULL,
    kind          VARCHAR,  -- nurture, new_position, reapply_notice, rejection, consent_renewal
    variant       VARCHAR,  -- the A/B variant the person was sent (campaign_variant), null without variants
    segment       VARCHAR,  -- the person's segment when the mail was sent
    PRIMARY KEY (candidate_id, campaign_id, step)
);
CREATE TABLE IF NOT EXISTS outbox.messages (
    batch_id      VARCHAR PRIMARY KEY,
    campaign_id   VARCHAR NOT NULL,
    mode          VARCHAR NOT NULL,
    recipients    INTEGER NOT NULL,
    request_body  JSON NOT NULL,
    file          VARCHAR,
    run_id        VARCHAR,
    created_at    TIMESTAMP NOT NULL
);
-- every send step that finished its batch (each recipient written, accepted, refused or in doubt; a send that
-- crashed part-way has no row): what the nurture batch-size gate compares a new batch with, like with like
CREATE TABLE IF NOT EXISTS outbox.send_runs (
    run_id        VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,
    batch_size    BIGINT NOT NULL,
    recipients    BIGINT NOT NULL,
    completed_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (run_id, kind)
);
-- every Career Relay tracking token we issued (in a rejection mail or with a referral we provided)
CREATE TABLE IF NOT EXISTS outbox.relay_links (
    tracking_token  VARCHAR PRIMARY KEY,
    company_id      VARCHAR NOT NULL,
    candidate_id    VARCHAR NOT NULL,
    application_key VARCHAR NOT NULL,
    channel         VARCHAR NOT NULL,
    batch_id        VARCHAR NOT NULL,
    issued_at       TIMESTAMP NOT NULL
);
-- APPI: each provision of personal data to a third party, kept at least until retain_until (3 years)
CREATE TABLE IF NOT EXISTS outbox.provision_log (
    recipient         VARCHAR NOT NULL,
    candidate_id      VARCHAR NOT NULL,
    application_key   VARCHAR NOT NULL,
    tracking_token    VARCHAR NOT NULL,
    data_items        VARCHAR NOT NULL,
    consent_reference VARCHAR NOT NULL,
    batch_id          VARCHAR NOT NULL,
    mode              VARCHAR NOT NULL,
    status            VARCHAR NOT NULL,
    detail            VARCHAR,
    run_id            VARCHAR,
    recorded_at       TIMESTAMP NOT NULL,
    retain_until      DATE NOT NULL,
    PRIMARY KEY (recipient, application_key)
);
-- erasure requests (APPI / a person's request): the person's raw records are deleted; what stays is the
-- request and one-way hashes of their addresses and phones, so they are never mailed or provided again
CREATE TABLE IF NOT EXISTS audit.erasure_requests (
    reference          VARCHAR PRIMARY KEY,
    candidate_id       VARCHAR NOT NULL,
    requested_at       TIMESTAMP NOT NULL,
    raw_rows_deleted   BIGINT NOT NULL,
    files_to_redact    VARCHAR
);
-- keyed hashes (HMAC-SHA256 under a key the operator holds, crm/erasure_keys.py) of their normalised emails
-- and phones; a warehouse from before keyed hashes is migrated by ensure_schema
CREATE TABLE IF NOT EXISTS audit.erased_identifiers (
    kind        VARCHAR NOT NULL,
    value_hmac  VARCHAR NOT NULL,
    key_id      VARCHAR NOT NULL,
    scheme      VARCHAR NOT NULL,
    reference   VARCHAR NOT NULL,
    PRIMARY KEY (kind, key_id, value_hmac)
);
-- every dbt build of this warehouse: what it selected and whether it finished, so a flow can tell whether
-- data landed since the last build that covered it
CREATE TABLE IF NOT EXISTS audit.dbt_builds (
    finished_at  TIMESTAMP NOT NULL,
    command      VARCHAR NOT NULL,
    selection    VARCHAR NOT NULL,
    success      BOOLEAN NOT NULL,
    invocation_id VARCHAR
);
-- in-doubt SendGrid batches an operator released after checking SendGrid did not deliver them
CREATE TABLE IF NOT EXISTS audit.in_doubt_releases (
    batch_id     VARCHAR NOT NULL,
    campaign_id  VARCHAR NOT NULL,
    recipients   BIGINT NOT NULL,
    requested_at TIMESTAMP,
    released_at  TIMESTAMP NOT NULL,
    checked      VARCHAR NOT NULL,
    run_id       VARCHAR
);
CREATE TABLE IF NOT EXISTS audit.cursors (
    stream        VARCHAR PRIMARY KEY,
    cursor_value  TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS audit.gate_results (
    run_id      VARCHAR,
    checked_at  TIMESTAMP NOT NULL,
    suite       VARCHAR NOT NULL,
    expectation VARCHAR NOT NULL,
    column_name VARCHAR,
    severity    VARCHAR NOT NULL,
    success     BOOLEAN NOT NULL,
    observed    VARCHAR
);
-- columns added after the first release: older warehouses get them here
ALTER TABLE audit.loads ADD COLUMN IF NOT EXISTS run_id VARCHAR;
ALTER TABLE audit.loads ADD COLUMN IF NOT EXISTS raw_gate_passed_at TIMESTAMP;
ALTER TABLE audit.loads ADD COLUMN IF NOT EXISTS write_mode VARCHAR;  -- the stream's declared merge | append
-- files under a source folder that did not land (connectors/common/landing.py, survey): a name no stream
-- reads (unrecognised), a symbolic link or special file (refused), a file still being written (waiting);
-- one row per file and kind, counted each run it is seen. Files that landed, were skipped or rejected are
-- in audit.loads.
CREATE TABLE IF NOT EXISTS audit.unlanded_files (
    file          VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,
    reason        VARCHAR NOT NULL,
    first_seen_at TIMESTAMP NOT NULL,
    last_seen_at  TIMESTAMP NOT NULL,
    times_seen    BIGINT NOT NULL,
    run_id        VARCHAR,
    PRIMARY KEY (file, kind)
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


# What every connection and every schema check also runs, registered by the modules that need it (this module
# imports nothing of ours): crm/__init__.py installs the erasure key function and the erasure list's migration.
CONNECTION_SETUP: list[Callable[[duckdb.DuckDBPyConnection], None]] = []
SCHEMA_MIGRATIONS: list[Callable[[duckdb.DuckDBPyConnection], object]] = []


def _send_ledger_columns(con: duckdb.DuckDBPyConnection) -> None:
    """A ledger from before issue 18 gains kind, variant and segment (null on its old rows), at the table's end
    like in the DDL, so both layouts have one column order."""
    for column in ("kind", "variant", "segment"):
        con.execute(f"ALTER TABLE outbox.send_ledger ADD COLUMN IF NOT EXISTS {column} VARCHAR")


SCHEMA_MIGRATIONS.append(_send_ledger_columns)


def resolve(path: str | Path) -> Path:
    """Absolute path: DuckDB resolves relative paths against the process's working directory."""
    return Path(path).expanduser().resolve()


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse file (DuckDB takes one writer at a time)."""


def wait_seconds() -> float:
    return float(os.environ.get("CRM_WAREHOUSE_WAIT_SECONDS", "120"))


def _open(path: Path, read_only: bool, wait_s: float) -> duckdb.DuckDBPyConnection:
    """Open the file, waiting up to `wait_s` while another process holds it; then one clear sentence."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as problem:
            if "lock" not in str(problem).lower():
                raise
            if time.monotonic() >= deadline:
                holder = re.search(r"PID (\d+)", str(problem))
                raise WarehouseBusy(
                    f"the warehouse {path} is in use by another run"
                    + (f" (process {holder.group(1)})" if holder else "")
                    + f" and stayed busy for {wait_s:g} s: let that run finish, then run this again "
                    "(set CRM_WAREHOUSE_WAIT_SECONDS to wait longer; under `make deploy` the flows queue on the "
                    "'warehouse' concurrency limit instead)"
                ) from None
            time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))


@contextlib.contextmanager
def connect(
    path: str | Path, read_only: bool = False, wait_s: float | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    path = resolve(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only, wait_seconds() if wait_s is None else wait_s)
    con.execute("SET enable_progress_bar = false")
    for setup in CONNECTION_SETUP:  # e.g. the erasure key function (crm/erasure_keys.py, installed by crm/__init__)
        setup(con)
    try:
        yield con
    finally:
        con.close()


def ensure_schema(con: duckdb.DuckDBPyConnection, raw_tables: list[str]) -> None:
    con.execute(DDL)
    for migrate in SCHEMA_MIGRATIONS:
        migrate(con)
    for table in raw_tables:
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{table} ({RAW_COLUMNS})")


def utc_now() -> datetime:
    """Timestamps are stored as naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def rows_as_dicts(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    row = con.execute(sql, params or []).fetchone()
    return None if row is None else row[0]


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Everything inside commits together or not at all."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
