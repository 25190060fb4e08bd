"""Retention: people with no activity and no renewed consent for a period (default 3 years) are anonymised,
after a consent-renewal mail a while before (default 60 days); provision-log rows are deleted once their
legal period ends.

- A person's last activity is the latest of: their newest source record (`last_seen_date`), application,
  decision, marketing-consent statement (a renewed consent moves it) and engagement (a human open, click,
  reply or event attendance). They lapse `inactive_years` after it.
- The renewal mail (category `consent_renewal`) goes to people who lapse within `renewal_lead_days` and may be
  mailed (the nurture audience: consent, not suppressed, not erased, re-checked against the live suppression
  and erasure lists), through the send ledger and the normal outbox or SendGrid path. Ledger key
  (candidate, 'consent-renewal', 'lapse-<date>'): once per person and lapse, whatever reruns.
- Anonymisation is the erasure code (crm/erasure.py, run by flows/retention.py) with the purpose `retention`: every copy is removed and
  a receipt written, but no identifier is kept (the person did not object: if they apply again they are a new
  candidate) and their address is not suppressed at SendGrid. It happens on the lapse date, or
  `renewal_lead_days` after the renewal mail if that went out late.
- Provision-log rows (`outbox.provision_log`, APPI Art. 29) carry their own `retain_until` (written as the
  provision date plus CareerRelaySettings.retention_years, 3); they are deleted the day after it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, timedelta

from connectors.sinks.sendgrid.messages import _mail, _personalization
from connectors.sinks.sendgrid.settings import SenderSettings

from .campaigns import Campaign

CAMPAIGN_ID = "consent-renewal"


def _int_env(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


@dataclass(frozen=True)
class RetentionSettings:
    inactive_years: int = field(default_factory=lambda: _int_env("CRM_RETENTION_INACTIVE_YEARS", 3))
    renewal_lead_days: int = field(default_factory=lambda: _int_env("CRM_RETENTION_RENEWAL_LEAD_DAYS", 60))
    renewal_template_id: str = field(
        default_factory=lambda: os.environ.get(
            "SENDGRID_CONSENT_RENEWAL_TEMPLATE_ID", "d-00000000000000000000000000000003"
        )
    )


def lapse_sql(settings: RetentionSettings) -> str:
    """candidate_id, last_active_date, lapse_date for every person in marts.candidates."""
    years = int(settings.inactive_years)
    return f"""
        select candidate_id, last_active_date,
               cast(last_active_date + to_years({years}) as date) as lapse_date
        from (
            select c.candidate_id,
                   greatest(c.last_seen_date, cast(c.last_applied_at as date), cast(c.last_closed_at as date),
                            c.marketing_consent_date, cast(s.last_engaged_at as date)) as last_active_date
            from marts.candidates c
            left join marts.candidate_scores s using (candidate_id)
        ) activity
        where last_active_date is not null"""


# the live lists, not only the last build's tables: an address suppressed since (a view over the landed
# events) is not mailed, nor a person erased since (their built rows went with the erasure; the request stays)
_ERASED = "exists (select 1 from audit.erasure_requests r where r.candidate_id = a.candidate_id)"


def renewal_campaign(as_of: date, settings: RetentionSettings, sender: SenderSettings | None = None) -> Campaign:
    """The consent-renewal mail as a campaign of the normal send path (outbound/outbox.py, sendgrid_sends.py)."""
    horizon = as_of + timedelta(days=int(settings.renewal_lead_days))
    template_id = settings.renewal_template_id
    return Campaign(
        kind="consent_renewal",
        batch_sql=f"""
            with lapsing as ({lapse_sql(settings)})
            select a.candidate_id, a.email, a.display_name, 'consent_renewal' as "group",
                   '{CAMPAIGN_ID}' as campaign_id, 'lapse-' || strftime(l.lapse_date, '%Y-%m-%d') as step,
                   l.lapse_date
            from marts.nurture_audience a
            join lapsing l using (candidate_id)
            where l.lapse_date <= date '{horizon.isoformat()}'
              and a.email is not null
              and a.email not in (select email from marts.email_suppressions)
              and not {_ERASED}
              and not exists (
                select 1 from outbox.send_ledger s where s.candidate_id = a.candidate_id
                and s.campaign_id = '{CAMPAIGN_ID}' and s.step = 'lapse-' || strftime(l.lapse_date, '%Y-%m-%d'))
            order by a.candidate_id""",
        audience_sql=f"""
            with lapsing as ({lapse_sql(settings)})
            select count(*) from marts.nurture_audience a join lapsing l using (candidate_id)
            where l.lapse_date <= date '{horizon.isoformat()}'""",
        already_sent_sql=f"select count(*) from outbox.send_ledger where campaign_id = '{CAMPAIGN_ID}'",
        build_request=lambda batch, batch_id, sender: consent_renewal_request(
            batch.recipients, batch_id, sender, template_id
        ),
        capped=False,
    )


def consent_renewal_request(recipients: list[dict], batch_id: str, sender: SenderSettings, template_id: str) -> dict:
    """One SendGrid v3 request: "we have kept your details since <date>; reply or click to keep them, or we
    delete them on <lapse date>". recipients: candidate_id, email, display_name, step, lapse_date."""
    mail = _mail(sender, template_id, ("consent_renewal",))
    for person in recipients:
        mail.add_personalization(
            _personalization(
                person,
                {"delete_on": str(person.get("lapse_date") or "")},
                {
                    "candidate_id": person["candidate_id"],
                    "campaign_id": CAMPAIGN_ID,
                    "batch_id": batch_id,
                    "step": person["step"],
                },
                sender,
            )
        )
    return mail.get()


def due_for_anonymisation(con, as_of: date, settings: RetentionSettings) -> list[str]:
    """People whose lapse date has come, who were sent the renewal mail at least renewal_lead_days ago or
    could not be mailed it, and did nothing since (their lapse date would have moved)."""
    lead = int(settings.renewal_lead_days)
    rows = con.execute(
        f"""
        with lapsing as ({lapse_sql(settings)})
        select l.candidate_id from lapsing l
        left join outbox.send_ledger s on s.candidate_id = l.candidate_id and s.campaign_id = '{CAMPAIGN_ID}'
             and s.step = 'lapse-' || strftime(l.lapse_date, '%Y-%m-%d')
        where l.lapse_date <= ?
          and (s.recorded_at is null or cast(s.recorded_at as date) + to_days({lead}) <= ?)
          and not exists (select 1 from audit.erasure_requests r where r.reference = ? || l.candidate_id)
        order by l.candidate_id""",
        [as_of, as_of, reference_prefix(as_of)],
    ).fetchall()
    return [candidate_id for (candidate_id,) in rows]


def reference_prefix(as_of: date) -> str:
    """The erasure reference of an anonymisation is this prefix and the candidate id."""
    return f"retention-{as_of.isoformat()}-"


def delete_expired_provisions(con, as_of: date) -> int:
    """Provision-log rows whose legal period ended (retain_until before the run date)."""
    return con.execute("delete from outbox.provision_log where retain_until < ?", [as_of]).fetchone()[0]
