"""Issue 15, case 8: an erasure leaves nothing of the person behind that the project wrote, keeps only keyed
hashes (a secret the operator holds) to block re-ingestion, writes a receipt, and in sendgrid mode suppresses
and erases the address at SendGrid exactly once."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import orjson
import pytest

from connectors.common.http import Backoff
from connectors.common.landing import LoadResult, archive_file
from connectors.sinks.career_relay.settings import CareerRelaySettings
from connectors.sinks.sendgrid.settings import SendGridSettings
from crm import erasure_keys
from crm.erasure import erase_candidate
from crm.warehouse import connect
from outbound.outbox import write_outbox
from outbound.referrals import provide_referrals
from tests.servers.sendgrid_server import API_KEY, FailurePlan, MailSendServer

AS_OF = date(2026, 11, 25)


def _person(con, sql: str) -> tuple[str, str, str | None]:
    return con.execute(sql).fetchone()


def _named(bodies: list[str], name: str) -> int:
    """How many recipients carry this display name (another person may share it)."""
    return sum(
        to.get("name") == name for body in bodies for part in json.loads(body)["personalizations"] for to in part["to"]
    )


def _nurture_person(warehouse) -> tuple[str, str, str]:
    """Someone in the nurture batch with an email and a phone."""
    with connect(warehouse, read_only=True) as con:
        return _person(
            con,
            """select b.candidate_id, b.email, c.phone from marts.nurture_batch b join marts.candidates c
               using (candidate_id) where c.phone like '+81%' order by b.candidate_id limit 1""",
        )


def test_the_kept_identifiers_are_keyed_hashes_sql_and_python_agree_and_an_unknown_key_fails_closed(
    warehouse_copy, monkeypatch
):
    monkeypatch.setenv("CRM_ERASURE_KEY", "operator-secret-" + "x" * 32)
    candidate_id, email, phone = _nurture_person(warehouse_copy)
    erase_candidate(str(warehouse_copy), candidate_id, "REQ-K")
    key = erasure_keys.current_key()
    with connect(warehouse_copy, read_only=True) as con:
        rows = con.execute("select kind, value_hmac, key_id, scheme from audit.erased_identifiers").fetchall()
        # the SQL construction (what the gates compute) is HMAC-SHA256 with the operator's key
        in_sql = con.execute(
            f"select {erasure_keys.sql_keyed_hash('?', '?')}", [key.key_id, key.key_id, email]
        ).fetchone()[0]
    expected = hmac.new(key.secret, email.encode(), hashlib.sha256).hexdigest()
    assert in_sql == expected
    assert ("email", expected, key.key_id, "hmac-sha256") in rows
    assert (
        "phone",
        hmac.new(key.secret, phone.encode(), hashlib.sha256).hexdigest(),
        key.key_id,
        "hmac-sha256",
    ) in rows
    assert hashlib.sha256(email.encode()).hexdigest() not in str(rows)  # no unkeyed hash is kept
    assert key.key_id != "demo"
    # without the key (it was rotated away and not kept as an old key) the check cannot run: it fails, never
    # lets an erased person through
    monkeypatch.setenv("CRM_ERASURE_KEY", "another-secret-" + "y" * 32)
    with connect(warehouse_copy, read_only=True) as con, pytest.raises(duckdb.Error, match="CRM_ERASURE_OLD_KEYS"):
        con.execute("select * from marts.nurture_batch_checks").fetchall()
    # kept as an old key: checked again (the person's own rows left the built tables with the erasure)
    monkeypatch.setenv("CRM_ERASURE_OLD_KEYS", "operator-secret-" + "x" * 32)
    with connect(warehouse_copy, read_only=True) as con:
        con.execute("select * from marts.nurture_batch_checks").fetchall()
        matched = con.execute(
            "select count(*) from audit.erased_identifiers where value_hmac = "
            + erasure_keys.sql_keyed_hash("?", "key_id"),
            [email],
        )
        assert matched.fetchone()[0] == 1


def test_legacy_unsalted_rows_are_wrapped_in_the_keyed_hash_and_still_match(warehouse_copy):
    candidate_id, email, _ = _nurture_person(warehouse_copy)
    legacy = hashlib.sha256(email.encode()).hexdigest()
    with connect(warehouse_copy) as con:
        con.execute("drop table audit.erased_identifiers")
        con.execute(
            "create table audit.erased_identifiers (kind varchar not null, value_sha256 varchar not null, "
            "reference varchar not null, primary key (kind, value_sha256))"
        )
        con.execute("insert into audit.erased_identifiers values ('email', ?, 'REQ-OLD')", [legacy])
    with connect(warehouse_copy) as con:
        erasure_keys.migrate_erased_identifiers(con)
        rows = con.execute(
            "select kind, value_hmac, key_id, scheme, reference from audit.erased_identifiers"
        ).fetchall()
        assert legacy not in str(rows)
        assert [r[3] for r in rows] == ["hmac-sha256(sha256)"]
        erased = con.execute("select is_erased from marts.nurture_batch_checks where candidate_id = ?", [candidate_id])
        assert erased.fetchall() == [(True,)]


def test_every_copy_the_project_wrote_is_removed_and_the_receipt_says_where(warehouse_copy, tmp_path):
    candidate_id, email, phone = _nurture_person(warehouse_copy)
    outbox = tmp_path / "outbox"
    summary = write_outbox(warehouse_copy, outbox, AS_OF)
    assert summary.messages > 1
    with connect(warehouse_copy, read_only=True) as con:
        display_name = con.execute(
            "select display_name from marts.nurture_batch where candidate_id = ?", [candidate_id]
        ).fetchone()[0]
        bodies = [r[0] for r in con.execute("select request_body from outbox.messages").fetchall()]
    assert any(email in b for b in bodies)
    national = "0" + phone[3:]
    with connect(warehouse_copy) as con:  # the same person quarantined, written differently; and someone else
        rows = [
            json.dumps({"email": "  " + email.upper() + " ", "name": "x"}),
            json.dumps({"tel": f"{national[:3]}-{national[3:7]}-{national[7:]}"}, ensure_ascii=False),
            json.dumps({"tel": f"+81 {phone[3:5]} {phone[5:9]} {phone[9:]}"}),
            json.dumps({"tel": "０" + "".join(chr(ord(d) + 0xFEE0) for d in phone[3:])}, ensure_ascii=False),
            json.dumps({"email": "someone.else@example.jp", "tel": "03-1111-2222"}),
        ]
        for i, raw in enumerate(rows):
            con.execute(
                "insert into audit.quarantine values ('L-q', 'indeed', '/nowhere/q.json', ?, 'unreadable', ?)",
                [i, raw],
            )

    done = erase_candidate(str(warehouse_copy), candidate_id, "REQ-2", outbox_dir=outbox)

    with connect(warehouse_copy, read_only=True) as con:
        after = [r[0] for r in con.execute("select request_body from outbox.messages").fetchall()]
        everything = str(after)
        quarantine = [r[0] for r in con.execute("select raw_record from audit.quarantine").fetchall()]
        receipt_row = con.execute("select receipt from audit.erasure_receipts where reference = 'REQ-2'").fetchone()
    assert email not in everything and candidate_id not in everything  # their personalization went whole
    assert _named(after, display_name) == _named(bodies, display_name) - 1
    assert quarantine == [rows[-1]]  # the four forms of the person went, the other person stayed
    for path in outbox.rglob("*.json"):
        text = path.read_text()
        assert email not in text and candidate_id not in text
        assert orjson.loads(text)["personalizations"] is not None  # the other recipients are still there
    receipt = json.loads(receipt_row[0])
    assert receipt == json.loads(Path(done.receipt_file).read_text())
    assert receipt["removed"]["outbox.messages request bodies"] == 1
    assert receipt["removed"]["outbox files"] == 1
    assert receipt["removed"]["audit.quarantine"] == 4
    assert receipt["removed"]["raw records"] >= 1
    assert any("provision_log" in k["what"] and "Art. 29" in k["why"] for k in receipt["kept"])
    assert email not in json.dumps(receipt) and phone not in json.dumps(receipt)


def test_career_relay_csv_exports_lose_the_person(warehouse_copy, tmp_path):
    with connect(warehouse_copy, read_only=True) as con:
        candidate_id, email = con.execute(
            "select candidate_id, email from marts.relay_referral_batch order by candidate_id limit 1"
        ).fetchone()
    exports = tmp_path / "exports"
    summary = provide_referrals(warehouse_copy, AS_OF, exports, settings=CareerRelaySettings(api_url=None))
    assert summary.files
    csv_file = Path(summary.files[0])
    # a second person in the same file, who stays
    with open(csv_file, "a", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerow(["X", "tok-other", "他", "人"] + [""] * 11)
    assert email in csv_file.read_text(encoding="utf-8-sig")

    done = erase_candidate(str(warehouse_copy), candidate_id, "REQ-3", relay_export_dir=exports)

    text = csv_file.read_text(encoding="utf-8-sig")
    assert email not in text and "tok-other" in text
    assert done.removed["Career Relay CSV exports (rows)"] == 1
    with connect(warehouse_copy, read_only=True) as con:  # the provision record itself stays (APPI Art. 29)
        assert (
            con.execute("select count(*) from outbox.provision_log where candidate_id = ?", [candidate_id]).fetchone()[
                0
            ]
            == 1
        )


def test_landed_files_are_listed_where_they_really_are_now(warehouse_copy, demo_landing, tmp_path):
    """Ingest moves each landed file to <landing>/_archive/<source>/<load id>/: the list names that path."""
    landing = tmp_path / "landing"
    shutil.copytree(demo_landing, landing)
    candidate_id, _, _ = _nurture_person(warehouse_copy)
    with connect(warehouse_copy) as con:
        files = con.execute(
            """select distinct r.load_id, r.file from raw.greenhouse_candidates r join marts.candidate_crosswalk x
               using (source, source_record_id) where x.candidate_id = ?""",
            [candidate_id],
        ).fetchall()
        assert files
        tables = [
            t for (t,) in con.execute("select table_name from duckdb_tables() where schema_name = 'raw'").fetchall()
        ]
        for table in tables:  # the warehouse landed this copy of the landing folder
            con.execute(f"update raw.{table} set file = replace(file, ?, ?)", [str(demo_landing), str(landing)])
    archived = []
    for load_id, file in files:
        original = Path(file.replace(str(demo_landing), str(landing)))
        result = LoadResult(load_id, "greenhouse", "greenhouse_candidates", str(original), "loaded")
        archived.append(archive_file(original, landing / "_archive" / "greenhouse", result))
        assert not original.exists()

    done = erase_candidate(str(warehouse_copy), candidate_id, "REQ-4")

    assert {str(p) for p in archived} <= set(done.files_to_redact)
    assert all(Path(p).exists() for p in done.files_to_redact if not p.startswith("("))


def _sendgrid_settings(server) -> SendGridSettings:
    return SendGridSettings(
        api_key=API_KEY, api_url=server.host, timeout_s=5.0, backoff=Backoff(0.001, 0.01), max_attempts=2
    )


def _emails(warehouse, candidate_id: str) -> list[str]:
    with connect(warehouse, read_only=True) as con:
        return [
            e
            for (e,) in con.execute(
                "select distinct email from marts.candidate_record_contacts where candidate_id = ? and email is not null "
                "order by email",
                [candidate_id],
            ).fetchall()
        ]


def test_sendgrid_mode_suppresses_and_erases_at_sendgrid_exactly_once(warehouse_copy):
    candidate_id, email, _ = _nurture_person(warehouse_copy)
    emails = _emails(warehouse_copy, candidate_id)
    with MailSendServer() as server:
        settings = _sendgrid_settings(server)
        done = erase_candidate(str(warehouse_copy), candidate_id, "REQ-5", send_mode="sendgrid", sendgrid=settings)
        with pytest.raises(ValueError, match="already carried out"):
            erase_candidate(str(warehouse_copy), candidate_id, "REQ-5", send_mode="sendgrid", sendgrid=settings)
    assert email in emails and server.api.global_suppressions == set(emails)
    assert [j["email_addresses"] for j in server.api.erase_jobs] == [emails]
    assert [c[0] for c in server.api.calls] == ["CreateGlobalSuppression", "EraseRecipientEmailData"]
    receipt = json.loads(Path(done.receipt_file).read_text())
    assert receipt["sendgrid"]["global_suppression"]["status"] == "done"
    assert receipt["sendgrid"]["data_erasure"]["job_ids"] == [server.api.erase_jobs[0]["job_id"]]
    with connect(warehouse_copy, read_only=True) as con:  # no address waits in clear once both calls are done
        assert con.execute("select count(*) from audit.erasure_pending_sendgrid").fetchone()[0] == 0


def test_a_crash_between_the_two_sendgrid_calls_resumes_only_the_missing_one(warehouse_copy):
    candidate_id, _, _ = _nurture_person(warehouse_copy)
    emails = _emails(warehouse_copy, candidate_id)
    with MailSendServer(FailurePlan(script=["ok", "500", "500"])) as server:
        settings = _sendgrid_settings(server)
        with pytest.raises(Exception, match="erasure job"):
            erase_candidate(str(warehouse_copy), candidate_id, "REQ-6", send_mode="sendgrid", sendgrid=settings)
        with connect(warehouse_copy, read_only=True) as con:  # the warehouse part is done; SendGrid's waits
            assert con.execute("select count(*) from audit.erasure_pending_sendgrid").fetchone()[0] == len(emails)
        done = erase_candidate(str(warehouse_copy), candidate_id, "REQ-6", send_mode="sendgrid", sendgrid=settings)
    ops = [c[0] for c in server.api.calls]
    assert ops.count("CreateGlobalSuppression") == 1, ops
    assert [j["email_addresses"] for j in server.api.erase_jobs] == [emails]
    receipt = json.loads(Path(done.receipt_file).read_text())
    assert receipt["sendgrid"]["data_erasure"]["status"] == "done"
    assert receipt["sendgrid"]["global_suppression"]["status"] == "done"
