"""Nurture batches in outbox mode: the exact request bodies go to `outbox.messages` and to files,
and every recipient to the send ledger, nothing leaves the machine."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import orjson

from connectors.common.warehouse import connect, transaction

from .messages import nurture_request
from .settings import NurtureSettings, SenderSettings

# The gated batch, re-checked against the ledger at write time: a second send step without a rebuild
# in between (or a crash after some batches) must not write anyone twice or break the cap.
BATCH_SQL = """
select b.candidate_id, b.email, b.display_name, b.segment, b.campaign_id
from marts.nurture_batch b
where not exists (
        select 1 from outbox.send_ledger l
        where l.candidate_id = b.candidate_id and l.campaign_id = b.campaign_id and l.step = b.step)
  and not exists (
        select 1 from outbox.send_ledger l
        where l.candidate_id = b.candidate_id and l.recorded_at >= ?::timestamp - to_days(?))
order by b.campaign_id, b.candidate_id
"""


@dataclass
class SendSummary:
    mode: str
    audience: int = 0
    messages: int = 0
    batches: int = 0
    already_sent: int = 0
    capped: int = 0
    files: list[str] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)  # {candidate_id, campaign_id, reason}: no PII
    in_doubt: int = 0


def batch_id_for(campaign_id: str, candidate_ids: list[str]) -> str:
    digest = hashlib.sha1("\n".join(candidate_ids).encode()).hexdigest()[:12]
    return f"{campaign_id}-{digest}"


def plan_batches(con, as_of: date, settings: NurtureSettings, summary: SendSummary) -> list[tuple[str, str, list[dict]]]:
    """The gated batch minus everyone already in the ledger (any status) or within the frequency cap, in
    requests of at most settings.batch_size recipients: (campaign_id, segment, recipients)."""
    summary.audience = con.execute("select count(*) from marts.nurture_audience").fetchone()[0]
    rows = con.execute(BATCH_SQL, [datetime.combine(as_of, datetime.min.time()), settings.frequency_cap_days]).fetchall()
    summary.already_sent = con.execute(
        "select count(*) from marts.nurture_audience a join outbox.send_ledger l on l.candidate_id = a.candidate_id "
        "and l.campaign_id = 'nurture-' || a.segment || '-' || ?", [f"{as_of:%Y-%m}"]).fetchone()[0]
    summary.capped = summary.audience - summary.already_sent - len(rows)
    by_campaign: dict[tuple[str, str], list[dict]] = {}
    for candidate_id, email, name, segment, campaign_id in rows:
        by_campaign.setdefault((campaign_id, segment), []).append(
            {"candidate_id": candidate_id, "email": email, "display_name": name})
    return [(campaign_id, segment, people[start:start + settings.batch_size])
            for (campaign_id, segment), people in by_campaign.items()
            for start in range(0, len(people), settings.batch_size)]


def write_nurture_outbox(warehouse: str | Path, outbox_dir: str | Path, as_of: date, run_id: str | None = None,
                         sender: SenderSettings | None = None, settings: NurtureSettings | None = None) -> SendSummary:
    sender, settings = sender or SenderSettings(), settings or NurtureSettings()
    outbox_dir = Path(outbox_dir)
    summary = SendSummary(mode="outbox")
    with connect(warehouse) as con:
        for campaign_id, segment, batch in plan_batches(con, as_of, settings, summary):
            _write_batch(con, outbox_dir, campaign_id, segment, batch, sender, run_id, summary)
    return summary


def _write_batch(con, outbox_dir: Path, campaign_id: str, segment: str, batch: list[dict], sender: SenderSettings,
                 run_id: str | None, summary: SendSummary) -> None:
    batch_id = batch_id_for(campaign_id, [p["candidate_id"] for p in batch])
    body = nurture_request(batch, campaign_id, batch_id, segment, sender)
    path = outbox_dir / campaign_id / f"{batch_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(body, option=orjson.OPT_INDENT_2))
    recorded = datetime.now(timezone.utc).replace(tzinfo=None)
    with transaction(con):
        con.execute("INSERT INTO outbox.messages VALUES (?, ?, 'outbox', ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [batch_id, campaign_id, len(batch), orjson.dumps(body).decode(), str(path), run_id, recorded])
        con.executemany("INSERT INTO outbox.send_ledger VALUES (?, ?, '1', ?, 'outbox', 'written', NULL, ?, ?)",
                        [(p["candidate_id"], campaign_id, batch_id, run_id, recorded) for p in batch])
    summary.messages += len(batch)
    summary.batches += 1
    summary.files.append(str(path))
