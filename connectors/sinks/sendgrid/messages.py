"""Builds SendGrid v3 Mail Send request bodies with the official SDK's helpers.

The body built here is exactly what is sent (sendgrid mode) or written to the outbox (outbox mode).
One personalization per recipient, so each person's custom_args map their events back to them. Every
mail names the sender, gives the postal address and an unsubscribe link (Japan's Act on Specified
Electronic Mail), and carries the ASM unsubscribe group.
"""

from __future__ import annotations

from sendgrid.helpers.mail import Asm, Category, CustomArg, From, GroupId, GroupsToDisplay, Mail, Personalization, To

from .settings import SenderSettings


def _mail(sender: SenderSettings, template_id: str, categories: tuple[str, ...]) -> Mail:
    mail = Mail()
    mail.from_email = From(sender.from_email, sender.from_name)
    mail.template_id = template_id
    mail.asm = Asm(GroupId(sender.unsubscribe_group_id), GroupsToDisplay([sender.unsubscribe_group_id]))
    for category in categories:
        mail.add_category(Category(category))
    return mail


def _personalization(person: dict, template_data: dict, custom_args: dict, sender: SenderSettings) -> Personalization:
    personalization = Personalization()
    personalization.add_to(To(person["email"], person.get("display_name") or None))
    personalization.dynamic_template_data = {
        "name": person.get("display_name") or "",
        **template_data,
        "sender_name": sender.from_name,
        "sender_address": sender.postal_address,
        "unsubscribe_url": "<%asm_group_unsubscribe_raw_url%>",
    }
    for key, value in custom_args.items():
        personalization.add_custom_arg(CustomArg(key, value))
    return personalization


def nurture_request(
    recipients: list[dict], campaign_id: str, batch_id: str, segment: str, sender: SenderSettings
) -> dict:
    """recipients: dicts with candidate_id, email, display_name."""
    mail = _mail(sender, sender.nurture_template_id, ("nurture", f"segment-{segment}"))
    careers_url = f"{sender.careers_url}?utm_source=crm&utm_campaign={campaign_id}"
    for person in recipients:
        mail.add_personalization(
            _personalization(
                person,
                {"segment": segment, "careers_url": careers_url},
                {"candidate_id": person["candidate_id"], "campaign_id": campaign_id, "batch_id": batch_id, "step": "1"},
                sender,
            )
        )
    return mail.get()


def rejection_request(recipients: list[dict], batch_id: str, sender: SenderSettings) -> dict:
    """お祈りメール. recipients: dicts with candidate_id, email, display_name, step (the application key),
    job_title, tracking_token and relay_url (the personal Career Relay link)."""
    mail = _mail(sender, sender.rejection_template_id, ("rejection", "career-relay"))
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
                },
                sender,
            )
        )
    return mail.get()


def _job_url(sender: SenderSettings, job_id: str, campaign_id: str) -> str:
    return f"{sender.careers_url}/{job_id}?utm_source=crm&utm_campaign={campaign_id}"


def _loop_custom_args(person: dict, kind: str, campaign_id: str, batch_id: str) -> dict:
    return {
        "candidate_id": person["candidate_id"],
        "campaign_id": campaign_id,
        "batch_id": batch_id,
        "step": str(person["step"]),
        "kind": kind,
        "variant": str(person.get("variant") or ""),
    }


def _loop_data(person: dict, kind: str) -> dict:
    return {"kind": kind, "variant": str(person.get("variant") or ""), "language": person.get("language") or "ja"}


def new_position_request(recipients: list[dict], campaign_id: str, batch_id: str, sender: SenderSettings) -> dict:
    """A job that fits them opened. recipients: dicts with candidate_id, email, display_name, step (the job id),
    variant, language, job_id, job_title, job_location and reasons (plain-language sentences)."""
    mail = _mail(sender, sender.new_position_template_id, ("new_position", f"campaign-{campaign_id}"))
    for person in recipients:
        mail.add_personalization(
            _personalization(
                person,
                {
                    **_loop_data(person, "new_position"),
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
    mail = _mail(sender, sender.reapply_notice_template_id, ("reapply_notice", f"campaign-{campaign_id}"))
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
                    **_loop_data(person, "reapply_notice"),
                    "job_family": person.get("job_family_label") or "",
                    "eligible_date": person.get("eligible_date") or "",
                    "jobs": jobs,
                },
                _loop_custom_args(person, "reapply_notice", campaign_id, batch_id),
                sender,
            )
        )
    return mail.get()
