"""The send flows when a send is resumed: what an earlier attempt of the same send already wrote is its own
progress, not a broken batch. (Found by the deployment test: a failed send-nurture run retried from the UI
used to fail at its gate forever, until the nightly build.)"""

from __future__ import annotations

import json
from datetime import date

import pytest

from crm.warehouse import connect
from flows.send import send_nurture, send_rejections_and_referrals

AS_OF = date(2026, 11, 25)
pytestmark = pytest.mark.usefixtures("prefect_harness")


def _mark_half_sent(warehouse, batch_table: str) -> int:
    """Ledger rows for half the batch, written after the build: what a send that died half-way leaves."""
    with connect(warehouse) as con:
        return con.execute(f"""
            insert into outbox.send_ledger
            select candidate_id, campaign_id, step, 'earlier-attempt', 'outbox', 'written', null, 'run-0',
                   cast(now() at time zone 'UTC' as timestamp), null, null, null
            from (select * from marts.{batch_table} order by candidate_id, step
                  limit (select count(*) // 2 from marts.{batch_table}))""").fetchone()[0]


def _written(outbox) -> set[tuple[str, str]]:
    return {
        (p["custom_args"]["candidate_id"], p["custom_args"]["step"])
        for path in outbox.rglob("*.json")
        for p in json.loads(path.read_text())["personalizations"]
    }


def test_a_nurture_send_resumed_after_half_the_batch_sends_the_other_half(warehouse_copy, tmp_path):
    with connect(warehouse_copy, read_only=True) as con:
        batch = set(con.execute("select candidate_id, step from marts.nurture_batch").fetchall())
    done = _mark_half_sent(warehouse_copy, "nurture_batch")
    assert len(batch) > 10 and done == len(batch) // 2

    state = send_nurture(str(warehouse_copy), str(tmp_path / "outbox"), AS_OF, "outbox", return_state=True)
    assert state.is_completed(), state.message
    summary = state.result()
    assert summary.messages == len(batch) - done and summary.already_sent == done
    with connect(warehouse_copy, read_only=True) as con:
        earlier = set(
            con.execute("select candidate_id, step from outbox.send_ledger where run_id = 'run-0'").fetchall()
        )
    assert _written(tmp_path / "outbox") == batch - earlier


def test_rejection_mail_resumed_after_half_the_batch_sends_the_other_half(warehouse_copy, tmp_path):
    with connect(warehouse_copy, read_only=True) as con:
        batch = set(con.execute("select candidate_id, step from marts.rejection_mail_batch").fetchall())
    done = _mark_half_sent(warehouse_copy, "rejection_mail_batch")
    assert len(batch) >= 2 and done >= 1

    state = send_rejections_and_referrals(
        str(warehouse_copy), str(tmp_path / "outbox"), AS_OF, "outbox", return_state=True
    )
    assert state.is_completed(), state.message
    assert state.result().rejections.messages == len(batch) - done
