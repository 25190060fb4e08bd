"""Turn one Inbound Parse POST (multipart/form-data) into the reply record we keep.

SendGrid posts the parsed message as form fields: `headers` (the raw header block), `from`, `to`,
`subject`, `envelope` (JSON), `charsets` (JSON: the character set of each field), `spam_score`, `text`,
`html` and attachments; with the raw option on, the whole message in `email` instead of `headers`, `text`
and `html`. We keep who replied, when, to what, and the headers that say whether a machine
wrote it (Auto-Submitted, Precedence, X-Autoreply). The text, the HTML and attachments are not kept: a
reply is an engagement signal here, and the recruiter reads the mail itself in their mailbox.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import BytesParser, HeaderParser
from email.utils import parseaddr, parsedate_to_datetime


class NotInboundParse(ValueError):
    pass


def form_fields(content_type: str, body: bytes) -> dict[str, str]:
    """The text fields of a multipart/form-data body (file parts skipped), each decoded with the charset
    SendGrid names for it in the `charsets` field (Japanese mail often arrives as ISO-2022-JP)."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise NotInboundParse(f"expected multipart/form-data, got {content_type or 'no Content-Type'}")
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise NotInboundParse("the multipart body could not be split into fields")
    raw: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name or part.get_filename():
            continue
        raw[str(name)] = part.get_payload(decode=True) or b""
    try:
        charsets = json.loads(raw.get("charsets", b"{}").decode("utf-8", "replace") or "{}")
    except json.JSONDecodeError:
        charsets = {}
    return {name: _decode(value, charsets.get(name)) for name, value in raw.items()}


def _decode(value: bytes, charset: str | None) -> str:
    try:
        return value.decode(charset or "utf-8", "replace")
    except LookupError:  # a charset name Python does not know
        return value.decode("utf-8", "replace")


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sent_at(headers: Message) -> str | None:
    try:
        return _iso(parsedate_to_datetime(headers["Date"])) if headers["Date"] else None
    except (TypeError, ValueError):
        return None


def reply_record(content_type: str, body: bytes, received_at: datetime) -> dict:
    fields = form_fields(content_type, body)
    # with "POST the raw, full MIME message" on, SendGrid sends the whole message in `email` instead of
    # `headers`: the header block is read from it and the rest (the body) is not kept
    headers = HeaderParser(policy=policy.default).parsestr(fields.get("headers") or fields.get("email", ""))
    sender = parseaddr(fields.get("from") or str(headers.get("From") or ""))[1]
    if not sender:
        try:
            sender = json.loads(fields.get("envelope") or "{}").get("from") or ""
        except (json.JSONDecodeError, AttributeError):
            sender = ""
    message_id = str(headers.get("Message-ID") or "").strip() or None
    sent_at = _sent_at(headers)
    subject = fields.get("subject") or (str(headers["Subject"]) if headers["Subject"] else None)
    # SendGrid posts a message again when we did not answer 2xx: the Message-ID (or, without one, the
    # sender, date and subject) makes those posts one reply
    fallback = "|".join(str(v) for v in (sender.lower(), sent_at, subject))
    return {
        "reply_id": message_id or "sha256:" + hashlib.sha256(fallback.encode("utf-8")).hexdigest(),
        "message_id": message_id,
        "received_at": _iso(received_at),
        "sent_at": sent_at,
        "from_email": sender.strip().lower() or None,
        "to": fields.get("to"),
        "subject": subject,
        "in_reply_to": str(headers.get("In-Reply-To") or "").strip() or None,
        "auto_submitted": str(headers.get("Auto-Submitted") or "").strip() or None,
        "precedence": str(headers.get("Precedence") or "").strip() or None,
        "x_autoreply": str(headers.get("X-Autoreply") or headers.get("X-Autorespond") or "").strip() or None,
        "spam_score": fields.get("spam_score"),
    }
