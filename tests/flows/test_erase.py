"""An erasure request: the person's raw records go, and a record that comes back later is never mailed."""

from __future__ import annotations

import json
from datetime import date

from crm.dbt_runner import run_dbt
from crm.warehouse import connect
from flows.erase import main as erase_cli
from flows.send import send_nurture

AS_OF = date(2026, 11, 25)

MAILABLE = """
    select (select count(*) from marts.nurture_audience where candidate_id = $1)
         + (select count(*) from marts.nurture_batch where candidate_id = $1)
         + (select count(*) from marts.rejection_mail_batch where candidate_id = $1)
         + (select count(*) from marts.relay_referral_batch where candidate_id = $1)
"""


def test_an_erased_person_disappears_and_is_never_mailed_again(warehouse_copy, capsys):
    with connect(warehouse_copy, read_only=True) as con:
        candidate_id, email = con.execute("""
            select a.candidate_id, a.email from marts.nurture_audience a
            join marts.candidates c using (candidate_id) where c.source_record_count >= 2
            order by a.candidate_id limit 1""").fetchone()
        greenhouse_record = con.execute(
            """
            select r.* from raw.greenhouse_candidates r join marts.candidate_crosswalk x
            on x.source = r.source and x.source_record_id = r.source_record_id
            where x.candidate_id = ? limit 1""",
            [candidate_id],
        ).to_arrow_table()
    assert greenhouse_record.num_rows == 1, "the demo person should have a Greenhouse record"
    greenhouse_id = greenhouse_record.column("source_record_id")[0].as_py()
    with connect(warehouse_copy) as con:  # a scorecard about them and a reply they wrote
        insert = (
            "insert into raw.{} (load_id, source, file, record_position, loaded_at, source_record_id, record) "
            "values ('L-test', ?, 'x.json', 0, now(), ?, ?)"
        )
        con.execute(
            insert.format("greenhouse_scorecards"),
            [
                "greenhouse",
                "S-erase",
                f'{{"id": "S-erase", "candidate_id": {greenhouse_id}, "overall_recommendation": "yes"}}',
            ],
        )
        con.execute(
            insert.format("sendgrid_replies"),
            ["sendgrid", "<erase@mail>", f'{{"reply_id": "<erase@mail>", "from_email": "{email.upper()}"}}'],
        )

    assert erase_cli(["--candidate-id", candidate_id, "--reference", "REQ-1", "--warehouse", str(warehouse_copy)]) == 0
    out = capsys.readouterr().out
    assert "REQ-1" in out and "raw rows deleted" in out and email not in out
    assert erase_cli(["--candidate-id", candidate_id, "--reference", "REQ-1", "--warehouse", str(warehouse_copy)]) == 1

    with connect(warehouse_copy) as con:
        left = con.execute(
            """
            select count(*) from raw.greenhouse_candidates r join marts.candidate_crosswalk x
            on x.source = r.source and x.source_record_id = r.source_record_id where x.candidate_id = ?""",
            [candidate_id],
        ).fetchone()[0]
        events = con.execute(
            "select count(*) from raw.sendgrid_events where lower(json_extract_string(record, '$.email')) = ?", [email]
        ).fetchone()[0]
        scorecards = con.execute(
            "select count(*) from raw.greenhouse_scorecards where json_extract_string(record, '$.candidate_id') = ?",
            [greenhouse_id],
        ).fetchone()[0]
        replies = con.execute(
            "select count(*) from raw.sendgrid_replies where source_record_id = '<erase@mail>'"
        ).fetchone()[0]
        assert (left, events, scorecards, replies) == (0, 0, 0, 0)
        assert email not in str(con.execute("select * from audit.erased_identifiers").fetchall())
        # one of the records arrives again in a later export
        con.register("came_back", greenhouse_record)
        con.execute("insert into raw.greenhouse_candidates select * from came_back")
    run_dbt(["build", "--exclude", "test_type:unit"], warehouse_copy, AS_OF)

    record_id = greenhouse_record.column("source_record_id")[0].as_py()
    with connect(warehouse_copy, read_only=True) as con:
        returned_id, returned_email = con.execute(
            """
            select c.candidate_id, c.email from marts.candidate_crosswalk x join marts.candidates c using (candidate_id)
            where x.source = 'greenhouse' and x.source_record_id = ?""",
            [record_id],
        ).fetchone()
        reasons = con.execute(
            "select reasons from marts.email_suppressions where email = ?", [returned_email]
        ).fetchone()
        mailable = con.execute(MAILABLE, [returned_id]).fetchone()[0]
        records = con.execute(
            "select count(*) from marts.candidate_crosswalk where candidate_id = ?", [returned_id]
        ).fetchone()[0]
    assert reasons and "erasure_request" in reasons[0]
    assert mailable == 0 and records == 1  # only the record that came back


def test_after_a_send_the_erasure_leaves_no_copy_in_the_outbox_and_says_so_in_a_receipt(
    warehouse_copy, tmp_path, capsys
):
    """Schedule order: send-nurture wrote the person's mail; erase-candidate runs; nothing of them is left in
    the request bodies or the outbox files, and the receipt (file and audit table) counts what went."""
    outbox = tmp_path / "outbox"
    assert send_nurture(str(warehouse_copy), str(outbox), AS_OF, return_state=True).is_completed()
    with connect(warehouse_copy, read_only=True) as con:
        candidate_id, email = con.execute("""
            select l.candidate_id, c.email from outbox.send_ledger l
            join marts.candidates c using (candidate_id) order by l.candidate_id limit 1""").fetchone()
    assert any(email in p.read_text() for p in outbox.rglob("*.json"))

    args = ["--candidate-id", candidate_id, "--reference", "REQ-9", "--warehouse", str(warehouse_copy)]
    assert erase_cli([*args, "--outbox", str(outbox)]) == 0
    out = capsys.readouterr().out
    assert "Receipt:" in out and "outbox files: 1 removed" in out and email not in out and "DEMO key" in out

    assert not any(email in p.read_text() or candidate_id in p.read_text() for p in outbox.rglob("*.json"))
    with connect(warehouse_copy, read_only=True) as con:
        bodies = str(con.execute("select request_body from outbox.messages").fetchall())
        receipt = json.loads(
            con.execute("select receipt from audit.erasure_receipts where reference = 'REQ-9'").fetchone()[0]
        )
    assert email not in bodies and candidate_id not in bodies  # their personalization (name, data) went whole
    assert receipt["removed"]["outbox.messages request bodies"] == 1 and receipt["removed"]["outbox files"] == 1
    receipt_file = warehouse_copy.parent / "erasure_receipts" / "REQ-9.json"
    assert json.loads(receipt_file.read_text()) == receipt
