"""Nurture batches in outbox mode: the exact request bodies go to `outbox.messages` and to files,
and every recipient to the send ledger, nothing leaves the machine."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import orjson

from connectors.common.warehouse import connect

from . import ledger
from .messages import nurture_request
from .settings import NurtureSettings, SenderSettings

AUDIENCE_SQL = """
select a.candidate_id, a.email, a.display_name, a.segment
from marts.nurture_audience a
where not exists (
        select 1 from outbox.send_ledger l
        where l.candidate_id = a.candidate_id and l.campaign_id = 'nurture-' || a.segment || '-' || ?)
  and not exists (
        select 1 from outbox.send_ledger l
        where l.candidate_id = a.candidate_id and l.recorded_at > ?::timestamp - to_days(?))
order by a.segment, a.candidate_id
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


def _batch_id(campaign_id: str, candidate_ids: list[str]) -> str:
    digest = hashlib.sha1("\n".join(candidate_ids).encode()).hexdigest()[:12]
    return f"{campaign_id}-{digest}"


def write_nurture_outbox(warehouse: str | Path, outbox_dir: str | Path, as_of: date, run_id: str | None = None,
                         sender: SenderSettings | None = None, settings: NurtureSettings | None = None) -> SendSummary:
    sender, settings = sender or SenderSettings(), settings or NurtureSettings()
    outbox_dir = Path(outbox_dir)
    period = f"{as_of:%Y-%m}"
    now = datetime.combine(as_of, datetime.now(timezone.utc).time())
    summary = SendSummary(mode="outbox")
    with connect(warehouse) as con:
        ledger.ensure(con)
        summary.audience = con.execute("select count(*) from marts.nurture_audience").fetchone()[0]
        rows = con.execute(AUDIENCE_SQL, [period, now, settings.frequency_cap_days]).fetchall()
        summary.already_sent = con.execute(
            "select count(*) from marts.nurture_audience a join outbox.send_ledger l on l.candidate_id = a.candidate_id "
            "and l.campaign_id = 'nurture-' || a.segment || '-' || ?", [period]).fetchone()[0]
        summary.capped = summary.audience - summary.already_sent - len(rows)
        by_segment: dict[str, list[dict]] = {}
        for candidate_id, email, name, segment in rows:
            by_segment.setdefault(segment, []).append({"candidate_id": candidate_id, "email": email, "display_name": name})
        for segment, people in by_segment.items():
            campaign_id = f"nurture-{segment}-{period}"
            for start in range(0, len(people), settings.batch_size):
                batch = people[start:start + settings.batch_size]
                batch_id = _batch_id(campaign_id, [p["candidate_id"] for p in batch])
                body = nurture_request(batch, campaign_id, batch_id, segment, sender)
                path = outbox_dir / campaign_id / f"{batch_id}.json"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(orjson.dumps(body, option=orjson.OPT_INDENT_2))
                recorded = datetime.now(timezone.utc).replace(tzinfo=None)
                con.execute("BEGIN TRANSACTION")
                try:
                    con.execute("INSERT INTO outbox.messages VALUES (?, ?, 'outbox', ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                                [batch_id, campaign_id, len(batch), orjson.dumps(body).decode(), str(path), run_id, recorded])
                    con.executemany(
                        "INSERT INTO outbox.send_ledger VALUES (?, ?, '1', ?, 'outbox', 'written', NULL, ?, ?)",
                        [(p["candidate_id"], campaign_id, batch_id, run_id, recorded) for p in batch])
                    con.execute("COMMIT")
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                summary.messages += len(batch)
                summary.batches += 1
                summary.files.append(str(path))
    return summary
