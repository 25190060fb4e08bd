"""Sendgrid mode (nurture and rejection mail): each request goes through the official SDK, and the send ledger makes
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
from datetime import date
from pathlib import Path

import orjson

from connectors.common.warehouse import connect, transaction

from .campaigns import NURTURE, Batch, Campaign, SendSummary, plan_batches
from .client import (Accepted, InDoubt, Refused, SendGridKeyRefused, SendGridSettings, SendGridUnavailable,
                     make_client, post_mail)
from .ledger import batch_id_for, now, record_recipients
from .settings import NurtureSettings, SenderSettings


def send_sendgrid(warehouse: str | Path, as_of: date, campaign: Campaign = NURTURE, run_id: str | None = None,
                  sender: SenderSettings | None = None, settings: NurtureSettings | None = None,
                  sendgrid: SendGridSettings | None = None, sleep=time.sleep, after_batch=None) -> SendSummary:
    """after_batch(summary) runs after every settled batch (progress reporting; tests use it to stop a run)."""
    sender, settings, sendgrid = sender or SenderSettings(), settings or NurtureSettings(), sendgrid or SendGridSettings()
    client = make_client(sendgrid)
    rng = random.Random()
    summary = SendSummary(mode="sendgrid")
    with connect(warehouse) as con:
        summary.in_doubt = con.execute(
            "select count(*) from outbox.send_ledger where mode = 'sendgrid' and status = 'sending'").fetchone()[0]
        for batch in plan_batches(con, campaign, as_of, settings, summary):
            _send(con, client, campaign, batch, sender, sendgrid, run_id, summary, sleep, rng)
            if after_batch:
                after_batch(summary)
    return summary


def send_nurture_sendgrid(warehouse: str | Path, as_of: date, **options) -> SendSummary:
    return send_sendgrid(warehouse, as_of, NURTURE, **options)


def _send(con, client, campaign: Campaign, batch: Batch, sender: SenderSettings, sendgrid: SendGridSettings,
          run_id: str | None, summary: SendSummary, sleep, rng) -> None:
    batch_id = batch_id_for(batch.campaign_id, batch.recipients)
    body = campaign.build_request(batch, batch_id, sender)
    if sendgrid.sandbox:
        body["mail_settings"] = {"sandbox_mode": {"enable": True}}
    record_recipients(con, batch.recipients, batch.campaign_id, batch_id, "sendgrid", "sending", run_id)

    try:
        outcome = post_mail(client, body, sendgrid, sleep=sleep, rng=rng)
    except (SendGridUnavailable, SendGridKeyRefused):
        _release(con, batch_id)  # definitely not accepted: the next run sends them
        raise
    if isinstance(outcome, Accepted):
        with transaction(con):
            con.execute("""UPDATE outbox.send_ledger SET status = ?, message_id = ?, recorded_at = ?
                           WHERE batch_id = ? AND status = 'sending'""",
                        ["sandboxed" if sendgrid.sandbox else "accepted", outcome.message_id, now(), batch_id])
            con.execute("INSERT INTO outbox.messages VALUES (?, ?, 'sendgrid', ?, ?, NULL, ?, ?) ON CONFLICT DO NOTHING",
                        [batch_id, batch.campaign_id, len(batch.recipients), orjson.dumps(body).decode(), run_id, now()])
        summary.messages += len(batch.recipients)
        summary.batches += 1
    elif isinstance(outcome, Refused):
        if len(batch.recipients) == 1:
            with transaction(con):
                con.execute("UPDATE outbox.send_ledger SET status = 'refused', recorded_at = ? WHERE batch_id = ?",
                            [now(), batch_id])
            summary.refused.append({"candidate_id": batch.recipients[0]["candidate_id"],
                                    "campaign_id": batch.campaign_id, "reason": _reason(outcome.errors)})
            return
        # free the rows, then find the refused personalization by halves
        _release(con, batch_id)
        middle = len(batch.recipients) // 2
        for half in (batch.recipients[:middle], batch.recipients[middle:]):
            _send(con, client, campaign, Batch(batch.campaign_id, batch.group, half), sender, sendgrid, run_id,
                  summary, sleep, rng)
    elif isinstance(outcome, InDoubt):
        summary.in_doubt += len(batch.recipients)


def _reason(errors: list[dict]) -> str:
    """SendGrid's reasons without the values it quotes (an address is personal data: logs must not have it)."""
    parts = [f"{e.get('field') or 'request'}: {re.sub(_QUOTED_OR_EMAIL, '…', str(e.get('message')))}" for e in errors]
    return "; ".join(parts)[:500]


_QUOTED_OR_EMAIL = r"'[^']*'|\"[^\"]*\"|[^\s@]+@[^\s@]+"


def _release(con, batch_id: str) -> None:
    with transaction(con):
        con.execute("DELETE FROM outbox.send_ledger WHERE batch_id = ? AND status = 'sending'", [batch_id])
