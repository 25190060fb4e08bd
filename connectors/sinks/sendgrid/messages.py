"""Builds SendGrid v3 Mail Send request bodies with the official SDK's helpers.

The body built here is exactly what is sent (sendgrid mode) or written to the outbox (outbox mode).
One personalization per recipient, so each person's custom_args map their events back to them. Every
mail names the sender, gives the postal address and an unsubscribe link (Japan's Act on Specified
Electronic Mail), and carries the ASM unsubscribe group.

Every request carries the categories `<kind>` and `campaign-<campaign>` (`_categories`), so events and KPIs map
back to both; every personalization carries custom_args candidate_id, campaign_id, batch_id, step, kind and
variant (strings; variant '' without an A/B test) and the dynamic data every template may use (name,
sender_name, sender_address, unsubscribe_url, kind, variant, language). The kind and variant come from the
recipient dict (outbound/campaigns.plan_batches sets `kind` from the campaign; batch marts give `variant`).

One-click unsubscribe (RFC 8058; Gmail and Yahoo's bulk-sender rules): SendGrid adds List-Unsubscribe headers
by itself only when the account's subscription tracking is on, which the ASM group does not need, so each
personalization carries its own `List-Unsubscribe` (a mailto and the unsubscribe page, SenderSettings'
unsubscribe_mailto and unsubscribe_url, with the person's candidate id and the ASM group, no address) and
`List-Unsubscribe-Post: List-Unsubscribe=One-Click`. The body's unsubscribe link stays the ASM group's.
"""

from __future__ import annotations

from urllib.parse import quote

from sendgrid.helpers.mail import (
    Asm,
    Category,
    CustomArg,
    From,
    GroupId,
    GroupsToDisplay,
    Header,
    Mail,
    Personalization,
    To,
)

from .settings import SenderSettings


def _mail(sender: SenderSettings, template_id: str, categories: tuple[str, ...]) -> Mail:
    mail = Mail()
    mail.from_email = From(sender.from_email, sender.from_name)
    mail.template_id = template_id
    mail.asm = Asm(GroupId(sender.unsubscribe_group_id), GroupsToDisplay([sender.unsubscribe_group_id]))
    for category in categories:
        mail.add_category(Category(category))
    return mail


def _categories(kind: str, campaign: str, *extras: str) -> tuple[str, ...]:
    """The request's categories: its kind, `campaign-<campaign>`, then any extras (no duplicates)."""
    return tuple(dict.fromkeys((kind, f"campaign-{campaign}", *extras)))


def _list_unsubscribe(person: dict, sender: SenderSettings) -> dict[str, str]:
    """RFC 2369 / RFC 8058 headers: the person's one-click unsubscribe, by candidate id and ASM group (no address)."""
    who = quote(str(person["candidate_id"]), safe="")
    group = sender.unsubscribe_group_id
    mailto = f"mailto:{sender.unsubscribe_mailto}?subject=unsubscribe%20{who}%20group%20{group}"
    url = f"{sender.unsubscribe_url}?candidate={who}&group={group}"
    return {"List-Unsubscribe": f"<{mailto}>, <{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _personalization(person: dict, template_data: dict, custom_args: dict, sender: SenderSettings) -> Personalization:
    """One recipient: their address, the dynamic data (the kind's own `template_data` plus what every template may
    use), custom_args (the kind's plus kind and variant) and the List-Unsubscribe headers."""
    kind = str(custom_args.get("kind") or person.get("kind") or "")
    variant = str(person.get("variant") or "")
    personalization = Personalization()
    personalization.add_to(To(person["email"], person.get("display_name") or None))
    personalization.dynamic_template_data = {
        "name": person.get("display_name") or "",
        **template_data,
        "kind": kind,
        "variant": variant,
        "language": person.get("language") or "ja",
        "sender_name": sender.from_name,
        "sender_address": sender.postal_address,
        "unsubscribe_url": "<%asm_group_unsubscribe_raw_url%>",
    }
    for key, value in {**custom_args, "kind": kind, "variant": variant}.items():
        personalization.add_custom_arg(CustomArg(key, str(value)))
    for key, value in _list_unsubscribe(person, sender).items():
        personalization.add_header(Header(key, value))
    return personalization


def nurture_request(
    recipients: list[dict], campaign_id: str, batch_id: str, segment: str, sender: SenderSettings
) -> dict:
    """recipients: dicts with candidate_id, email, display_name, step (the month), and from marts.nurture_batch
    variant, segment (the person's, recorded at send time) and jobs (open jobs of their family: job_id,
    job_title). `segment` is the batch's group, the job family: today's `segment-<family>` category."""
    mail = _mail(sender, sender.nurture_template_id, _categories("nurture", campaign_id, f"segment-{segment}"))
    careers_url = f"{sender.careers_url}?utm_source=crm&utm_campaign={quote(campaign_id)}"
    for person in recipients:
        jobs = [
            {
                "title": job["job_title"],
                "url": f"{sender.careers_url}/jobs/{quote(str(job['job_id']))}?utm_source=crm&utm_campaign="
                f"{quote(campaign_id)}",
            }
            for job in person.get("jobs") or []
        ]
        mail.add_personalization(
            _personalization(
                {"kind": "nurture", **person},
                {"segment": person.get("segment") or segment, "careers_url": careers_url, "jobs": jobs},
                {
                    "candidate_id": person["candidate_id"],
                    "campaign_id": campaign_id,
                    "batch_id": batch_id,
                    "step": str(person.get("step") or "1"),
                },
                sender,
            )
        )
    return mail.get()


def rejection_request(recipients: list[dict], batch_id: str, sender: SenderSettings) -> dict:
    """お祈りメール. recipients: dicts with candidate_id, email, display_name, step (the application key),
    job_title, tracking_token and relay_url (the personal Career Relay link)."""
    mail = _mail(sender, sender.rejection_template_id, _categories("rejection", "rejection", "career-relay"))
    for person in recipients:
        if not person.get("relay_url") or not person.get("tracking_token"):
            raise ValueError(f"rejection mail for {person['candidate_id']} has no Career Relay link")
        mail.add_personalization(
            _personalization(
                person,
                {"job_title": person.get("job_title") or "", "career_relay_url": person["relay_url"]},
                {
                    "candidate_id": person["candidate_id"],
                    "campaign_id": "rejection",
                    "batch_id": batch_id,
                    "step": person["step"],
                    "relay_token": person["tracking_token"],
                    "kind": "rejection",
                },
                sender,
            )
        )
    return mail.get()


def _job_url(sender: SenderSettings, job_id: str, campaign_id: str) -> str:
    """The job's page on the careers site, tagged with the campaign (the form nurture_request uses)."""
    return f"{sender.careers_url}/jobs/{quote(str(job_id))}?utm_source=crm&utm_campaign={quote(campaign_id)}"


def _loop_custom_args(person: dict, kind: str, campaign_id: str, batch_id: str) -> dict:
    """custom_args of one recipient (_personalization adds the variant)."""
    return {
        "candidate_id": person["candidate_id"],
        "campaign_id": campaign_id,
        "batch_id": batch_id,
        "step": str(person["step"]),
        "kind": kind,
    }


def new_position_request(recipients: list[dict], campaign_id: str, batch_id: str, sender: SenderSettings) -> dict:
    """A job that fits them opened. recipients: dicts with candidate_id, email, display_name, step (the job id),
    variant, language, job_id, job_title, job_location and reasons (plain-language sentences)."""
    mail = _mail(sender, sender.new_position_template_id, _categories("new_position", campaign_id))
    for person in recipients:
        mail.add_personalization(
            _personalization(
                person,
                {
                    "job_title": person.get("job_title") or "",
                    "job_url": _job_url(sender, person["job_id"], campaign_id),
                    "job_location": person.get("job_location") or "",
                    "reasons": list(person.get("reasons") or []),
                },
                _loop_custom_args(person, "new_position", campaign_id, batch_id),
                sender,
            )
        )
    return mail.get()


def reapply_notice_request(recipients: list[dict], campaign_id: str, batch_id: str, sender: SenderSettings) -> dict:
    """They may apply again. recipients: dicts with candidate_id, email, display_name, step (the rejected
    application's key), variant, language, job_family_label, eligible_date (ISO) and jobs (at most 3 dicts with
    job_id, title and reasons)."""
    mail = _mail(sender, sender.reapply_notice_template_id, _categories("reapply_notice", campaign_id))
    for person in recipients:
        jobs = [
            {
                "title": job.get("title") or "",
                "url": _job_url(sender, job["job_id"], campaign_id),
                "reasons": list(job.get("reasons") or []),
            }
            for job in (person.get("jobs") or [])[:3]
        ]
        mail.add_personalization(
            _personalization(
                person,
                {
                    "job_family": person.get("job_family_label") or "",
                    "eligible_date": person.get("eligible_date") or "",
                    "jobs": jobs,
                },
                _loop_custom_args(person, "reapply_notice", campaign_id, batch_id),
                sender,
            )
        )
    return mail.get()
