"""Outbox mode: the exact request bodies go to `outbox.messages` and to files, and every recipient to the
send ledger; nothing leaves the machine. Beside each body, each personalization rendered with the project's
templates (outbound/templates.py): `<outbox>/<campaign>/<batch>/<candidate>.html`, for a recruiter to read."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import orjson

from connectors.sinks.sendgrid.settings import SenderSettings
from crm.warehouse import connect
from outbound.settings import NurtureSettings

from .campaigns import NURTURE, Batch, Campaign, SendSummary, plan_batches
from .ledger import batch_id_for, now, record_recipients
from .templates import write_previews


def write_outbox(
    warehouse: str | Path,
    outbox_dir: str | Path,
    as_of: date,
    campaign: Campaign = NURTURE,
    run_id: str | None = None,
    sender: SenderSettings | None = None,
    settings: NurtureSettings | None = None,
) -> SendSummary:
    sender, settings = sender or SenderSettings(), settings or NurtureSettings()
    outbox_dir = Path(outbox_dir)
    summary = SendSummary(mode="outbox")
    with connect(warehouse) as con:
        for batch in plan_batches(con, campaign, as_of, settings, summary):
            _write_batch(con, outbox_dir, campaign, batch, sender, run_id, summary)
    return summary


def write_nurture_outbox(warehouse: str | Path, outbox_dir: str | Path, as_of: date, **options) -> SendSummary:
    return write_outbox(warehouse, outbox_dir, as_of, NURTURE, **options)


def _write_batch(
    con,
    outbox_dir: Path,
    campaign: Campaign,
    batch: Batch,
    sender: SenderSettings,
    run_id: str | None,
    summary: SendSummary,
) -> None:
    batch_id = batch_id_for(batch.campaign_id, batch.recipients)
    body = campaign.build_request(batch, batch_id, sender)
    path = outbox_dir / batch.campaign_id / f"{batch_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(body, option=orjson.OPT_INDENT_2))
    write_previews(body, campaign.kind, path.with_suffix(""))
    record_recipients(
        con,
        batch.recipients,
        batch.campaign_id,
        batch_id,
        "outbox",
        "written",
        run_id,
        extra_sql=(
            (
                "INSERT INTO outbox.messages VALUES (?, ?, 'outbox', ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [
                    batch_id,
                    batch.campaign_id,
                    len(batch.recipients),
                    orjson.dumps(body).decode(),
                    str(path),
                    run_id,
                    now(),
                ],
            ),
        ),
    )
    summary.messages += len(batch.recipients)
    summary.batches += 1
    summary.files.append(str(path))
