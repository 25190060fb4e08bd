"""Builds SendGrid v3 Mail Send request bodies with the official SDK's helpers.

The body built here is exactly what is sent (sendgrid mode) or written to the outbox (outbox mode).
One personalization per recipient, so each person's custom_args map their events back to them.
"""

from __future__ import annotations

from sendgrid.helpers.mail import Asm, Category, CustomArg, From, GroupId, GroupsToDisplay, Mail, Personalization, To

from .settings import SenderSettings


def nurture_request(recipients: list[dict], campaign_id: str, batch_id: str, segment: str,
                    sender: SenderSettings) -> dict:
    """recipients: dicts with candidate_id, email, display_name."""
    mail = Mail()
    mail.from_email = From(sender.from_email, sender.from_name)
    mail.template_id = sender.nurture_template_id
    mail.asm = Asm(GroupId(sender.unsubscribe_group_id), GroupsToDisplay([sender.unsubscribe_group_id]))
    for category in ("nurture", f"segment-{segment}"):
        mail.add_category(Category(category))
    for person in recipients:
        personalization = Personalization()
        personalization.add_to(To(person["email"], person.get("display_name") or None))
        personalization.dynamic_template_data = {
            "name": person.get("display_name") or "",
            "segment": segment,
            "careers_url": f"{sender.careers_url}?utm_source=crm&utm_campaign={campaign_id}",
            "sender_name": sender.from_name,
            "sender_address": sender.postal_address,
            "unsubscribe_url": "<%asm_group_unsubscribe_raw_url%>",
        }
        for key, value in (("candidate_id", person["candidate_id"]), ("campaign_id", campaign_id),
                           ("batch_id", batch_id), ("step", "1")):
            personalization.add_custom_arg(CustomArg(key, value))
        mail.add_personalization(personalization)
    return mail.get()
