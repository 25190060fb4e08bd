"""The kinds of mail the pipeline sends. Each reads one gated batch (a dbt mart), re-checks it against the
send ledger at send time, and builds its requests; outbox and sendgrid modes share everything here.

Ledger key (candidate, campaign, step): a nurture mail is ('nurture-<segment>-<month>', '1'), a rejection
mail is ('rejection', <application key>): one rejection mail per rejected application, ever.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from connectors.sinks.career_relay.settings import CareerRelaySettings
from connectors.sinks.sendgrid.messages import nurture_request, rejection_request
from crm.warehouse import rows_as_dicts
from outbound.relay_links import relay_link, tracking_token
from outbound.settings import NurtureSettings


@dataclass
class SendSummary:
    mode: str
    kind: str = "nurture"
    audience: int = 0
    messages: int = 0
    batches: int = 0
    already_sent: int = 0
    capped: int = 0
    files: list[str] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)  # {candidate_id, campaign_id, reason}: no PII
    in_doubt: int = 0
    settled_accepted: int = 0  # in doubt before this run, found accepted from the Event Webhook
    released: int = 0  # in doubt before this run, found not accepted: sent by this run


@dataclass
class Batch:
    campaign_id: str
    group: str  # the segment of a nurture mail, 'rejection' for rejection mail
    recipients: list[dict]  # candidate_id, email, display_name, step, and the kind's own fields


@dataclass(frozen=True)
class Campaign:
    kind: str
    batch_sql: str  # the gated batch minus what the ledger (and the cap) rules out; params if capped: run day, cap days
    audience_sql: str
    already_sent_sql: str  # params if capped: the month, YYYY-MM
    build_request: Callable[[Batch, str, object], dict]
    capped: bool
    prepare: Callable[[dict], dict] = lambda recipient: recipient
    batch_table: str = ""  # the gated batch mart (what a completed run records as its batch size)


NURTURE = Campaign(
    kind="nurture",
    # a second send step without a rebuild in between (or a crash after some batches) must not write
    # anyone twice or break the cap
    batch_sql="""
        select b.candidate_id, b.email, b.display_name, b.segment as "group", b.campaign_id, b.step, b.segment
        from marts.nurture_batch b
        where not exists (
                select 1 from outbox.send_ledger l
                where l.candidate_id = b.candidate_id and l.campaign_id = b.campaign_id and l.step = b.step)
          and not exists (
                select 1 from outbox.send_ledger l
                where l.candidate_id = b.candidate_id and l.recorded_at >= ?::timestamp - to_days(?))
        order by b.campaign_id, b.candidate_id""",
    audience_sql="select count(*) from marts.nurture_audience",
    already_sent_sql="""
        select count(*) from marts.nurture_audience a join outbox.send_ledger l on l.candidate_id = a.candidate_id
        and l.campaign_id = 'nurture-' || a.segment || '-' || ?""",
    build_request=lambda batch, batch_id, sender: nurture_request(
        batch.recipients, batch.campaign_id, batch_id, batch.group, sender
    ),
    capped=True,
    batch_table="marts.nurture_batch",
)


def _with_relay_link(recipient: dict, settings: CareerRelaySettings | None = None) -> dict:
    settings = settings or CareerRelaySettings()
    token = tracking_token(settings.token_secret, settings.company_id, recipient["step"])
    return {
        **recipient,
        "tracking_token": token,
        "relay_url": relay_link(settings, token),
        "company_id": settings.company_id,
    }


REJECTION = Campaign(
    kind="rejection",
    # not held by the nurture cap: a rejection is answered once, when it happens
    batch_sql="""
        select b.candidate_id, b.email, b.display_name, 'rejection' as "group", b.campaign_id, b.step,
               b.job_title
        from marts.rejection_mail_batch b
        where not exists (select 1 from outbox.send_ledger l where l.campaign_id = b.campaign_id and l.step = b.step)
        order by b.candidate_id, b.step""",
    audience_sql="select count(*) from marts.rejection_mail_batch",
    already_sent_sql="""
        select count(*) from marts.rejection_mail_batch b join outbox.send_ledger l
        on l.campaign_id = b.campaign_id and l.step = b.step""",
    build_request=lambda batch, batch_id, sender: rejection_request(batch.recipients, batch_id, sender),
    capped=False,
    prepare=_with_relay_link,
    batch_table="marts.rejection_mail_batch",
)

CAMPAIGNS = {c.kind: c for c in (NURTURE, REJECTION)}


def plan_batches(con, campaign: Campaign, as_of: date, settings: NurtureSettings, summary: SendSummary) -> list[Batch]:
    """The gated batch minus everyone already in the ledger (any status) or within the frequency cap, in
    requests of at most settings.batch_size recipients."""
    summary.kind = campaign.kind
    summary.audience = con.execute(campaign.audience_sql).fetchone()[0]
    capped = campaign.capped
    cursor = con.execute(
        campaign.batch_sql,
        [datetime.combine(as_of, datetime.min.time()), settings.frequency_cap_days] if capped else [],
    )
    rows = [campaign.prepare({**row, "kind": campaign.kind}) for row in rows_as_dicts(cursor)]
    summary.already_sent = con.execute(campaign.already_sent_sql, [f"{as_of:%Y-%m}"] if capped else []).fetchone()[0]
    summary.capped = summary.audience - summary.already_sent - len(rows) if capped else 0
    grouped: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        grouped.setdefault((row["campaign_id"], row["group"]), []).append(row)
    return [
        Batch(campaign_id, group, chunk)
        for (campaign_id, group), people in grouped.items()
        for chunk in _requests(people, settings.batch_size)
    ]


def _requests(people: list[dict], size: int) -> list[list[dict]]:
    """Chunks of at most `size`, none holding an address twice: SendGrid refuses a request that names a
    recipient in two personalizations (two rejections of one person on one day go in two requests)."""
    chunks: list[tuple[list[dict], set[str]]] = []
    open_from = 0  # chunks before this one are full
    for person in people:
        for chunk, emails in chunks[open_from:]:
            if len(chunk) < size and person["email"].lower() not in emails:
                break
        else:
            chunk, emails = [], set()
            chunks.append((chunk, emails))
        chunk.append(person)
        emails.add(person["email"].lower())
        while open_from < len(chunks) and len(chunks[open_from][0]) >= size:
            open_from += 1
    return [chunk for chunk, _ in chunks]
