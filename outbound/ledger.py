"""Writes to the send ledger (and the Career Relay links a batch carries) in one statement per batch."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pyarrow as pa

from crm.warehouse import connect, ensure_schema, transaction
from crm.warehouse import utc_now as now
from outbound.relay_links import links_table


def batch_id_for(campaign_id: str, recipients: list[dict]) -> str:
    digest = hashlib.sha1("\n".join(f"{p['candidate_id']}/{p['step']}" for p in recipients).encode()).hexdigest()[:12]
    return f"{campaign_id}-{digest}"


def record_recipients(
    con,
    recipients: list[dict],
    campaign_id: str,
    batch_id: str,
    mode: str,
    status: str,
    run_id: str | None,
    extra_sql: tuple[tuple[str, list], ...] = (),
) -> None:
    """One INSERT ... SELECT from an Arrow table (row-by-row executemany costs about a second per 1000 rows),
    committed together with extra_sql and with the Career Relay links of the recipients that carry one.

    Each recipient's `kind` (set from its campaign by plan_batches), `variant` (campaign_variant, may be absent)
    and `segment` (at send time, may be absent) go to the ledger's columns of the same names."""
    recorded = now()
    n = len(recipients)
    ledger_rows = pa.table(  # noqa: F841 (read by DuckDB's replacement scan below)
        {
            "candidate_id": [p["candidate_id"] for p in recipients],
            "campaign_id": [campaign_id] * n,
            "step": [p["step"] for p in recipients],
            "batch_id": [batch_id] * n,
            "mode": [mode] * n,
            "status": [status] * n,
            "message_id": pa.nulls(n, pa.string()),
            "run_id": [run_id] * n,
            "recorded_at": [recorded] * n,
            "kind": pa.array([p.get("kind") for p in recipients], pa.string()),
            "variant": pa.array([p.get("variant") or None for p in recipients], pa.string()),
            "segment": pa.array([p.get("segment") for p in recipients], pa.string()),
        }
    )
    linked = [p for p in recipients if p.get("tracking_token")]
    link_rows = linked and links_table(linked, linked[0]["company_id"], "rejection_mail", batch_id, recorded)  # noqa: F841
    with transaction(con):
        con.execute("INSERT INTO outbox.send_ledger BY NAME SELECT * FROM ledger_rows")
        if linked:
            con.execute("INSERT INTO outbox.relay_links SELECT * FROM link_rows ON CONFLICT DO NOTHING")
        for sql, params in extra_sql:
            con.execute(sql, params)


def record_completed_run(
    warehouse: str | Path, kind: str, batch_table: str, run_id: str | None, recipients: int
) -> None:
    """A send step got through its whole batch: its kind, the size of the gated batch it sent from and what it
    sent, so the batch-size gate compares a new batch with completed runs of the same kind only (a rejection
    run or a send that crashed part-way says nothing about the size of a nurture batch). A retried flow run
    that completes again replaces its row."""
    with connect(warehouse) as con:
        ensure_schema(con, [])  # a warehouse made before outbox.send_runs existed
        batch_size = con.execute(f"select count(*) from {batch_table}").fetchone()[0]
        con.execute(
            "INSERT OR REPLACE INTO outbox.send_runs VALUES (?, ?, ?, ?, ?)",
            [run_id or f"local-{uuid.uuid4().hex}", kind, batch_size, recipients, now()],
        )
