"""Issue 15, retention: the apply-retention deployment mails a consent renewal once before a person lapses,
anonymises people with no activity and no renewed consent for 3 years through the erasure code (a receipt
each, no identifier kept), and deletes provision-log rows past their legal period."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from crm.warehouse import connect
from flows.retention import apply_retention

AS_OF = date(2026, 11, 25)
ACTIVITY = ("last_seen_date", "last_applied_at", "last_closed_at", "marketing_consent_date")


def _last_active(con, candidate_id: str, day: date) -> None:
    con.execute(
        f"update marts.candidates set {', '.join(f'{c} = ?' for c in ACTIVITY)} where candidate_id = ?",
        [day] * len(ACTIVITY) + [candidate_id],
    )
    con.execute("update marts.candidate_scores set last_engaged_at = null where candidate_id = ?", [candidate_id])


def _contacts(con, candidate_id: str) -> int:
    return con.execute(
        "select count(*) from marts.candidate_record_contacts where candidate_id = ?", [candidate_id]
    ).fetchone()[0]


def test_renewal_once_then_anonymisation_of_the_lapsed_and_expired_provisions_deleted(warehouse_copy, tmp_path):
    three_years_ago = AS_OF.replace(year=AS_OF.year - 3)
    outbox = tmp_path / "outbox"
    with connect(warehouse_copy) as con:
        soon, lapsed = [
            r[0]
            for r in con.execute(
                "select candidate_id from marts.nurture_audience where email is not null order by candidate_id limit 2"
            ).fetchall()
        ]
        unmailable = con.execute(
            """select candidate_id from marts.candidates where candidate_id not in
               (select candidate_id from marts.nurture_audience) order by candidate_id limit 1"""
        ).fetchone()[0]
        lapsed_email = con.execute("select email from marts.candidates where candidate_id = ?", [lapsed]).fetchone()[0]
        _last_active(con, soon, three_years_ago + timedelta(days=30))  # lapses in 30 days
        _last_active(con, lapsed, three_years_ago - timedelta(days=1))  # lapsed yesterday, never told
        _last_active(con, unmailable, three_years_ago - timedelta(days=1))  # lapsed, cannot be mailed
        provision = (
            "insert into outbox.provision_log values ('career_relay', ?, ?, ?, 'email', 'c', 'b', 'csv', 'provided', "
            "null, null, now(), ?)"
        )
        con.execute(provision, ["X1", "k-old", "t-old", AS_OF - timedelta(days=1)])
        con.execute(provision, ["X2", "k-new", "t-new", AS_OF + timedelta(days=365)])

    first = apply_retention(str(warehouse_copy), str(outbox), AS_OF)
    assert first.renewal_mails == 2  # both mailable people, before anything is deleted
    assert first.anonymised == [unmailable]
    assert first.provisions_deleted == 1
    bodies = [json.loads(p.read_text()) for p in (outbox / "consent-renewal").glob("*.json")]
    assert [b["categories"] for b in bodies] == [["consent_renewal"]]
    assert {p["custom_args"]["candidate_id"] for b in bodies for p in b["personalizations"]} == {soon, lapsed}

    again = apply_retention(str(warehouse_copy), str(outbox), AS_OF)
    assert (again.renewal_mails, again.anonymised, again.provisions_deleted) == (0, [], 0)  # once

    with connect(warehouse_copy) as con:  # `soon` renewed their consent after the mail
        # the run date is simulated: the mail went out on AS_OF, whatever today's clock says
        con.execute("update outbox.send_ledger set recorded_at = ? where campaign_id = 'consent-renewal'", [AS_OF])
        con.execute(
            "update marts.candidates set marketing_consent_date = ? where candidate_id = ?",
            [AS_OF + timedelta(days=10), soon],
        )
    later = apply_retention(str(warehouse_copy), str(outbox), AS_OF + timedelta(days=61))
    assert later.anonymised == [lapsed] and later.renewal_mails == 0

    with connect(warehouse_copy, read_only=True) as con:
        assert _contacts(con, lapsed) == 0 and _contacts(con, unmailable) == 0 and _contacts(con, soon) > 0
        assert con.execute("select count(*) from audit.erased_identifiers").fetchone()[0] == 0  # nothing kept
        assert [r[0] for r in con.execute("select candidate_id from outbox.provision_log").fetchall()] == ["X2"]
    assert not any(lapsed_email in p.read_text() for p in outbox.rglob("*.json"))
    receipt = json.loads(Path(later.receipts[0]).read_text())
    assert receipt["purpose"] == "retention" and receipt["identifiers_kept"] == 0
