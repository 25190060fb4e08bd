"""Nurture batches in sendgrid mode: each request goes through the official SDK, and the send ledger makes
every message happen at most once, and exactly once whenever SendGrid's answer arrives.

Per batch (at most 1000 recipients, one personalization each):

1. the recipients are written to `outbox.send_ledger` as 'sending' and committed, before the request;
2. the request is posted (client.py retries 429, 5xx and dropped connections);
3. on 202 the rows become 'accepted' with SendGrid's `X-Message-Id`, and the request body goes to
   `outbox.messages`, in one transaction;
4. on 400 the batch is split in halves and each half sent on its own, down to the single personalization
   SendGrid refuses, which becomes 'refused' with the reason (reported, never retried);
5. if no answer comes (a read timeout, or the process dies mid-request), the rows stay 'sending': SendGrid
   may have accepted them. They are never sent again automatically; the run reports them "in doubt" and
   the runbook says how to settle them.

Any run, including a retry of the same flow run, skips everyone already in the ledger, whatever the
status: a second run sends only what no earlier run got to.
"""

from __future__ import annotations

import random
import re
import time
from datetime import date, datetime, timezone
from pathlib import Path

import orjson
import pyarrow as pa

from connectors.common.warehouse import connect, transaction

from .client import (Accepted, InDoubt, Refused, SendGridKeyRefused, SendGridSettings, SendGridUnavailable,
                     make_client, post_mail)
from .messages import nurture_request
from .outbox import SendSummary, batch_id_for, plan_batches
from .settings import NurtureSettings, SenderSettings


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def send_nurture_sendgrid(warehouse: str | Path, as_of: date, run_id: str | None = None,
                          sender: SenderSettings | None = None, settings: NurtureSettings | None = None,
                          sendgrid: SendGridSettings | None = None, sleep=time.sleep,
                          after_batch=None) -> SendSummary:
    """after_batch(summary) runs after every settled batch (progress reporting; tests use it to stop a run)."""
    sender, settings, sendgrid = sender or SenderSettings(), settings or NurtureSettings(), sendgrid or SendGridSettings()
    client = make_client(sendgrid)
    rng = random.Random()
    summary = SendSummary(mode="sendgrid")
    with connect(warehouse) as con:
        summary.in_doubt = con.execute(
            "select count(*) from outbox.send_ledger where mode = 'sendgrid' and status = 'sending'").fetchone()[0]
        for campaign_id, segment, batch in plan_batches(con, as_of, settings, summary):
            _send(con, client, campaign_id, segment, batch, sender, sendgrid, run_id, summary, sleep, rng)
            if after_batch:
                after_batch(summary)
    return summary


def _send(con, client, campaign_id: str, segment: str, batch: list[dict], sender: SenderSettings,
          sendgrid: SendGridSettings, run_id: str | None, summary: SendSummary, sleep, rng) -> None:
    batch_id = batch_id_for(campaign_id, [p["candidate_id"] for p in batch])
    body = nurture_request(batch, campaign_id, batch_id, segment, sender)
    if sendgrid.sandbox:
        body["mail_settings"] = {"sandbox_mode": {"enable": True}}
    _insert_sending(con, batch, campaign_id, batch_id, run_id)

    try:
        outcome = post_mail(client, body, sendgrid, sleep=sleep, rng=rng)
    except (SendGridUnavailable, SendGridKeyRefused):
        _release(con, batch_id)  # definitely not accepted: the next run sends them
        raise
    if isinstance(outcome, Accepted):
        with transaction(con):
            con.execute("""UPDATE outbox.send_ledger SET status = ?, message_id = ?, recorded_at = ?
                           WHERE batch_id = ? AND status = 'sending'""",
                        ["sandboxed" if sendgrid.sandbox else "accepted", outcome.message_id, _now(), batch_id])
            con.execute("INSERT INTO outbox.messages VALUES (?, ?, 'sendgrid', ?, ?, NULL, ?, ?) ON CONFLICT DO NOTHING",
                        [batch_id, campaign_id, len(batch), orjson.dumps(body).decode(), run_id, _now()])
        summary.messages += len(batch)
        summary.batches += 1
    elif isinstance(outcome, Refused):
        if len(batch) == 1:
            reason = _reason(outcome.errors)
            _record(con, "UPDATE outbox.send_ledger SET status = 'refused', recorded_at = ? WHERE batch_id = ?",
                    [(_now(), batch_id)])
            summary.refused.append({"candidate_id": batch[0]["candidate_id"], "campaign_id": campaign_id,
                                    "reason": reason})
            return
        # free the rows, then find the refused personalization by halves
        _release(con, batch_id)
        middle = len(batch) // 2
        for half in (batch[:middle], batch[middle:]):
            _send(con, client, campaign_id, segment, half, sender, sendgrid, run_id, summary, sleep, rng)
    elif isinstance(outcome, InDoubt):
        summary.in_doubt += len(batch)


def _insert_sending(con, batch: list[dict], campaign_id: str, batch_id: str, run_id: str | None) -> None:
    """One INSERT ... SELECT from an Arrow table: row-by-row executemany costs about a second per 1000 rows."""
    now = _now()
    sending = pa.table({  # noqa: F841 (read by DuckDB's replacement scan below)
        "candidate_id": [p["candidate_id"] for p in batch],
        "campaign_id": [campaign_id] * len(batch),
        "step": ["1"] * len(batch),
        "batch_id": [batch_id] * len(batch),
        "mode": ["sendgrid"] * len(batch),
        "status": ["sending"] * len(batch),
        "message_id": pa.nulls(len(batch), pa.string()),
        "run_id": [run_id] * len(batch),
        "recorded_at": [now] * len(batch),
    })
    with transaction(con):
        con.execute("INSERT INTO outbox.send_ledger SELECT * FROM sending")


def _reason(errors: list[dict]) -> str:
    """SendGrid's reasons without the values it quotes (an address is personal data: logs must not have it)."""
    parts = [f"{e.get('field') or 'request'}: {re.sub(_QUOTED_OR_EMAIL, '…', str(e.get('message')))}" for e in errors]
    return "; ".join(parts)[:500]


_QUOTED_OR_EMAIL = r"'[^']*'|\"[^\"]*\"|[^\s@]+@[^\s@]+"


def _release(con, batch_id: str) -> None:
    _record(con, "DELETE FROM outbox.send_ledger WHERE batch_id = ? AND status = 'sending'", [(batch_id,)])


def _record(con, sql: str, rows: list[tuple]) -> None:
    with transaction(con):
        con.executemany(sql, rows)
