"""Sendgrid mode (nurture and rejection mail): each request goes through the official SDK, and the send ledger makes
every message happen at most once, and exactly once whenever SendGrid's answer arrives.

Per batch (at most 1000 recipients, one personalization each):

1. the recipients are written to `outbox.send_ledger` as 'sending' and committed, before the request;
2. the request is posted (client.py retries 429, 5xx and dropped connections);
3. on 202 the rows become 'accepted' with SendGrid's `X-Message-Id`, and the request body goes to
   `outbox.messages`, in one transaction;
4. on 400 the batch is split in halves and each half sent on its own, down to the single personalization
   SendGrid refuses, which becomes 'refused' with the reason (reported, never retried);
5. if no answer comes (a read timeout, a connection cut after the request went out, or the process dies
   mid-request), the rows stay 'sending': SendGrid may have accepted them. They are never sent again
   blindly, not in this run and not in the next. Each run first settles them from the Event Webhook:
   - a recipient with a landed `processed` event carrying its batch id was accepted (it becomes 'accepted');
   - a batch is released (its rows deleted, so the run sends them) only on positive evidence that SendGrid
     did not take it: the webhook delivered events from the hour after the request (it was working then)
     and events from at least `in_doubt_release_hours` after it (SendGrid retries webhook posts for up to
     24 hours, so a `processed` event for the batch would have come), and none of them names the batch;
   - without that evidence (no webhook connected, or a gap) the batch stays in doubt until an operator
     checks SendGrid's Activity feed and releases it by name (`python -m flows.in_doubt`).
   What is still unsettled is reported "in doubt".

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

from connectors.sinks.sendgrid.client import (
    Accepted,
    InDoubt,
    Refused,
    SendGridKeyRefused,
    SendGridUnavailable,
    make_client,
    post_mail,
)
from connectors.sinks.sendgrid.settings import SenderSettings, SendGridSettings
from crm.warehouse import connect, rows_as_dicts, transaction
from outbound.settings import NurtureSettings

from .campaigns import NURTURE, Batch, Campaign, SendSummary, plan_batches
from .ledger import batch_id_for, now, record_recipients
from .templates import TemplateIds


def send_sendgrid(
    warehouse: str | Path,
    as_of: date,
    campaign: Campaign = NURTURE,
    run_id: str | None = None,
    sender: SenderSettings | None = None,
    settings: NurtureSettings | None = None,
    sendgrid: SendGridSettings | None = None,
    sleep=time.sleep,
    after_batch=None,
) -> SendSummary:
    """after_batch(summary) runs after every settled batch (progress reporting; tests use it to stop a run)."""
    sender, settings, sendgrid = (
        sender or SenderSettings(),
        settings or NurtureSettings(),
        sendgrid or SendGridSettings(),
    )
    client = make_client(sendgrid)
    template_ids = TemplateIds(client, sendgrid, sleep=sleep)  # by name, from SendGrid's Templates API
    rng = random.Random()
    summary = SendSummary(mode="sendgrid")
    with connect(warehouse) as con:
        summary.settled_accepted, summary.released = settle_in_doubt(con, sendgrid.in_doubt_release_hours)
        summary.in_doubt = con.execute(
            "select count(*) from outbox.send_ledger where mode = 'sendgrid' and status = 'sending'"
        ).fetchone()[0]
        for batch in plan_batches(con, campaign, as_of, settings, summary):
            _send(con, client, campaign, batch, sender, sendgrid, run_id, summary, sleep, rng, template_ids)
            if after_batch:
                after_batch(summary)
    return summary


# Event Webhook events carry each personalization's custom_args at the top level
PROCESSED = """
    select distinct json_extract_string(record, '$.batch_id') as batch_id,
           json_extract_string(record, '$.candidate_id') as candidate_id,
           json_extract_string(record, '$.step') as step,
           split_part(json_extract_string(record, '$.sg_message_id'), '.', 1) as message_id
    from raw.sendgrid_events
    where json_extract_string(record, '$.event') = 'processed' and json_extract_string(record, '$.batch_id') is not null
"""


# A batch in doubt, the time its request left, and whether the landed events prove SendGrid never took it
RELEASABLE = f"""
    with doubt as (
        select batch_id, cast(epoch(min(recorded_at)) as bigint) as sent_epoch
        from outbox.send_ledger where mode = 'sendgrid' and status = 'sending'
        group by batch_id
    ),
    seen as (
        select try_cast(json_extract_string(record, '$.timestamp') as bigint) as event_epoch
        from raw.sendgrid_events
    )
    select d.batch_id
    from doubt as d
    where d.batch_id not in (select batch_id from ({PROCESSED}))
      and exists (select 1 from seen where seen.event_epoch between d.sent_epoch
                                                             and d.sent_epoch + greatest(?, 3600))
      and exists (select 1 from seen where seen.event_epoch >= d.sent_epoch + ?)
"""


def settle_in_doubt(con, release_hours: float) -> tuple[int, int]:
    """(recipients found accepted, recipients released for sending) among the in-doubt ledger rows."""
    in_doubt = "select count(*) from outbox.send_ledger where mode = 'sendgrid' and status = 'sending'"
    if not con.execute(in_doubt).fetchone()[0]:
        return 0, 0
    window_s = int(release_hours * 3600)
    with transaction(con):
        before = con.execute(in_doubt).fetchone()[0]
        con.execute(
            f"""
            update outbox.send_ledger l set status = 'accepted', message_id = p.message_id, recorded_at = ?
            from ({PROCESSED}) p
            where l.mode = 'sendgrid' and l.status = 'sending' and l.batch_id = p.batch_id
              and l.candidate_id = p.candidate_id and l.step = p.step""",
            [now()],
        )
        accepted = before - con.execute(in_doubt).fetchone()[0]
        releasable = [batch for (batch,) in con.execute(RELEASABLE, [window_s, window_s]).fetchall()]
        released = release_batches(con, releasable) if releasable else 0
    return accepted, released


def in_doubt_batches(con) -> list[dict]:
    """Every batch still in doubt, for an operator: id, campaign, recipients, when the request left."""
    return rows_as_dicts(
        con.execute("""
            select batch_id, campaign_id, count(*) as recipients, min(recorded_at) as requested_at
            from outbox.send_ledger where mode = 'sendgrid' and status = 'sending'
            group by batch_id, campaign_id order by requested_at""")
    )


def release_batches(con, batch_ids: list[str]) -> int:
    """Forget in-doubt batches so the next run sends them again: only for batches SendGrid did not take."""
    placeholders = ", ".join("?" * len(batch_ids))
    return con.execute(
        f"delete from outbox.send_ledger where mode = 'sendgrid' and status = 'sending' "
        f"and batch_id in ({placeholders})",
        batch_ids,
    ).fetchone()[0]


def send_nurture_sendgrid(warehouse: str | Path, as_of: date, **options) -> SendSummary:
    return send_sendgrid(warehouse, as_of, NURTURE, **options)


def _send(
    con,
    client,
    campaign: Campaign,
    batch: Batch,
    sender: SenderSettings,
    sendgrid: SendGridSettings,
    run_id: str | None,
    summary: SendSummary,
    sleep,
    rng,
    template_ids: TemplateIds,
) -> None:
    batch_id = batch_id_for(batch.campaign_id, batch.recipients)
    body = campaign.build_request(batch, batch_id, sender)
    body["template_id"] = template_ids.resolve(campaign.kind, body)
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
            con.execute(
                """UPDATE outbox.send_ledger SET status = ?, message_id = ?, recorded_at = ?
                           WHERE batch_id = ? AND status = 'sending'""",
                ["sandboxed" if sendgrid.sandbox else "accepted", outcome.message_id, now(), batch_id],
            )
            con.execute(
                "INSERT INTO outbox.messages VALUES (?, ?, 'sendgrid', ?, ?, NULL, ?, ?) ON CONFLICT DO NOTHING",
                [batch_id, batch.campaign_id, len(batch.recipients), orjson.dumps(body).decode(), run_id, now()],
            )
        summary.messages += len(batch.recipients)
        summary.batches += 1
    elif isinstance(outcome, Refused):
        if len(batch.recipients) == 1:
            with transaction(con):
                con.execute(
                    "UPDATE outbox.send_ledger SET status = 'refused', recorded_at = ? WHERE batch_id = ?",
                    [now(), batch_id],
                )
            summary.refused.append(
                {
                    "candidate_id": batch.recipients[0]["candidate_id"],
                    "campaign_id": batch.campaign_id,
                    "reason": _reason(outcome.errors),
                }
            )
            return
        # free the rows, then find the refused personalization by halves
        _release(con, batch_id)
        middle = len(batch.recipients) // 2
        for half in (batch.recipients[:middle], batch.recipients[middle:]):
            _send(
                con,
                client,
                campaign,
                Batch(batch.campaign_id, batch.group, half),
                sender,
                sendgrid,
                run_id,
                summary,
                sleep,
                rng,
                template_ids,
            )
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
