"""Replies through SendGrid's Inbound Parse: the receiver's secret path, multipart fields in the charsets
SendGrid names, what is kept (and what is not), and a repeated post landing as one reply."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.common.landing import land_stream
from connectors.sources import RAW_TABLES, all_streams
from connectors.sources.sendgrid_events.receiver import make_server, serve_in_background
from connectors.sources.sendgrid_replies.parse import NotInboundParse, reply_record
from crm.warehouse import connect, ensure_schema

from .test_sendgrid_receiver import post

TOKEN = "s3cret-path-token"
BOUNDARY = "xYzZY"


def inbound_body(fields: dict[str, bytes], attachment: bytes | None = None) -> bytes:
    """A multipart/form-data body shaped like SendGrid's Inbound Parse post."""
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"
        )
    if attachment is not None:
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachment1"; filename="cv.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n".encode()
            + attachment
            + b"\r\n"
        )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def reply_fields(subject: str = "Re: 新しい求人のご案内") -> dict[str, bytes]:
    headers = (
        "Received: by mx.example.jp\nDate: Thu, 26 Nov 2026 10:15:00 +0900\n"
        "Message-ID: <reply-1@mail.example.jp>\nIn-Reply-To: <abc@ismtpd-1>\n"
        "From: =?UTF-8?B?5bGx55Sw5aSq6YOO?= <Taro.Yamada@Example.JP>\n"
    )
    return {
        "headers": headers.encode(),
        "from": "山田太郎 <Taro.Yamada@Example.JP>".encode("iso-2022-jp"),
        "to": b"reply@reply.example.co.jp",
        "subject": subject.encode("iso-2022-jp"),
        "text": "ぜひ話を聞きたいです。電話番号は 090-1234-5678 です。".encode("iso-2022-jp"),
        "envelope": json.dumps({"to": ["reply@reply.example.co.jp"], "from": "taro.yamada@example.jp"}).encode(),
        "charsets": json.dumps(
            {"from": "iso-2022-jp", "subject": "iso-2022-jp", "text": "iso-2022-jp", "to": "UTF-8", "headers": "UTF-8"}
        ).encode(),
        "spam_score": b"0.1",
    }


CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def test_a_reply_is_read_in_its_charset_and_keeps_no_mail_text():
    record = reply_record(
        CONTENT_TYPE,
        inbound_body(reply_fields(), attachment=b"%PDF-1.4 ..."),
        datetime(2026, 11, 26, 1, 16, tzinfo=UTC),
    )
    assert record["reply_id"] == "<reply-1@mail.example.jp>"
    assert record["from_email"] == "taro.yamada@example.jp"
    assert record["subject"] == "Re: 新しい求人のご案内"
    assert record["sent_at"] == "2026-11-26T01:15:00Z" and record["received_at"] == "2026-11-26T01:16:00Z"
    assert record["in_reply_to"] == "<abc@ismtpd-1>" and record["auto_submitted"] is None
    flat = json.dumps(record, ensure_ascii=False)
    assert "090-1234-5678" not in flat and "話を聞きたい" not in flat and "PDF" not in flat


def test_the_raw_mime_option_gives_the_same_record_without_the_body():
    fields = reply_fields()
    body_text = "ぜひ話を聞きたいです。電話番号は 090-1234-5678 です。"
    fields["email"] = (fields.pop("headers").decode() + "Subject: Re: ご案内\n\n" + body_text).encode()
    del fields["text"]
    record = reply_record(CONTENT_TYPE, inbound_body(fields), datetime(2026, 11, 26, 1, 16, tzinfo=UTC))
    assert record["reply_id"] == "<reply-1@mail.example.jp>" and record["sent_at"] == "2026-11-26T01:15:00Z"
    assert record["from_email"] == "taro.yamada@example.jp"
    assert "090-1234-5678" not in json.dumps(record, ensure_ascii=False)


def test_a_body_that_is_not_a_form_is_refused():
    with pytest.raises(NotInboundParse, match="multipart/form-data"):
        reply_record("application/json", b"[]", datetime.now(UTC))


@settings(max_examples=60, deadline=None)
@given(subject=st.text(max_size=80), sender=st.text(max_size=40))
def test_any_subject_and_sender_give_a_record_with_an_id(subject, sender):
    fields = {
        "from": sender.encode("utf-8", "surrogatepass"),
        "subject": subject.encode("utf-8", "surrogatepass"),
        "charsets": b'{"from": "UTF-8", "subject": "UTF-8"}',
    }
    record = reply_record(CONTENT_TYPE, inbound_body(fields), datetime(2026, 11, 26, tzinfo=UTC))
    assert record["reply_id"]
    assert record["from_email"] is None or record["from_email"] == record["from_email"].strip().lower()


def post_form(url: str, body: bytes, content_type: str = CONTENT_TYPE) -> int:
    return post(url, body, {"Content-Type": content_type})


def test_the_receiver_takes_replies_only_on_its_secret_path_and_a_repeat_lands_once(tmp_path):
    landing = tmp_path / "landing"
    server = make_server(landing, public_key=None, inbound_token=TOKEN)
    serve_in_background(server)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        body = inbound_body(reply_fields())
        assert post_form(f"{base}/inbound-parse/{TOKEN}", body) == 200
        assert post_form(f"{base}/inbound-parse/{TOKEN}", body) == 200  # SendGrid posting the same reply again
        assert post_form(f"{base}/inbound-parse/wrong-token", body) == 404
        assert post_form(f"{base}/inbound-parse/{TOKEN}", b"[]", "application/json") == 400
        out_of_office = reply_fields("自動返信: 不在のお知らせ")
        out_of_office["headers"] = b"Message-ID: <ooo-1@mail.example.jp>\nAuto-Submitted: auto-replied\n"
        assert post_form(f"{base}/inbound-parse/{TOKEN}", inbound_body(out_of_office)) == 200
    finally:
        server.shutdown()
        server.server_close()
    saved = sorted((landing / "engagement" / "replies").glob("reply_*.json"))
    assert len(saved) == 3
    with connect(tmp_path / "w.duckdb") as con:
        ensure_schema(con, RAW_TABLES)
        results = [r for s in all_streams(landing, ["sendgrid_replies"]) for r in land_stream(con, s)]
        replies = con.execute("select count(distinct source_record_id), count(*) from raw.sendgrid_replies").fetchone()
        auto = con.execute(
            "select json_extract_string(record, '$.auto_submitted') from raw.sendgrid_replies "
            "where source_record_id = '<ooo-1@mail.example.jp>'"
        ).fetchone()[0]
    assert sum(r.records_quarantined for r in results) == 0
    assert replies[0] == 2  # two replies; the repeated post is the same reply_id (staging keeps one)
    assert auto == "auto-replied"


def test_without_a_token_the_inbound_path_is_closed(tmp_path):
    server = make_server(tmp_path / "landing", public_key=None)
    serve_in_background(server)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/inbound-parse/anything"
        assert post_form(url, inbound_body(reply_fields())) == 404
    finally:
        server.shutdown()
        server.server_close()
