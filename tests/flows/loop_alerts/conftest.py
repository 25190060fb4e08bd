"""A demo warehouse set up for the re-engagement mail (issue 18, part B), once per module: the session's built
warehouse with, for each kind, people who must not get it (no opt-in, suppressed, erased, in cool-off, already
told, capped), then the two batch marts rebuilt. Tests copy it."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from crm.dbt_runner import run_dbt
from crm.erasure_keys import sql_keyed_hash
from crm.warehouse import connect, ensure_schema

AS_OF = date(2026, 11, 25)
REBUILD = ["build", "--select", "new_position_batch+", "reapply_notice_batch+", "--exclude", "test_type:unit"]
DEMO_KEYED_EMAIL = sql_keyed_hash("email", "'demo'")  # the erasure list's hash under the demo key
HELD_BACK = ("no_opt_in", "suppressed", "erased", "in_cool_off", "already_told", "capped")


@dataclass
class LoopWarehouse:
    path: Path
    # reason -> candidate id, per kind; already_told also names the step they were told about
    new_position: dict[str, str]
    new_position_told_step: str
    reapply_notice: dict[str, str]
    reapply_notice_told_step: str
    eligible: list[str]  # the reapply candidates nothing holds back


def _epoch(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())


def _ledger(con, candidate_id: str, campaign_id: str, step: str, recorded_at: datetime, kind: str) -> None:
    con.execute(
        "insert into outbox.send_ledger by name select ? as candidate_id, ? as campaign_id, ? as step, "
        "'earlier' as batch_id, 'outbox' as mode, 'written' as status, 'run-earlier' as run_id, "
        "?::timestamp as recorded_at, ? as kind",
        [candidate_id, campaign_id, step, recorded_at, kind],
    )


def _hold_back(con, people: dict[str, str], campaign_id: str, told_step: str, kind: str) -> None:
    """Each person in `people` is held back for the reason they are keyed by."""
    con.execute("update marts.candidates set is_marketing_opt_in = false where candidate_id = ?", [people["no_opt_in"]])
    email = con.execute("select email from marts.candidates where candidate_id = ?", [people["suppressed"]]).fetchone()
    event_id = f"seeded-bounce-{people['suppressed']}"
    con.execute(
        "insert into raw.sendgrid_events values ('L-seeded', 'sendgrid', 'seeded.json', 0, now(), ?, ?)",
        [
            event_id,
            json.dumps(
                {
                    "event": "bounce",
                    "email": email[0],
                    "timestamp": _epoch(datetime(2026, 11, 1)),
                    "sg_event_id": event_id,
                }
            ),
        ],
    )
    con.execute(
        f"insert into audit.erased_identifiers select 'email', {DEMO_KEYED_EMAIL}, 'demo', "
        "'hmac-sha256', 'REQ-seeded' from marts.candidates where candidate_id = ?",
        [people["erased"]],
    )
    # an earlier mail of this campaign and step, long before the frequency cap
    _ledger(con, people["already_told"], campaign_id, told_step, datetime(2026, 9, 1), kind)
    # another campaign's mail two days ago: inside every campaign's frequency cap
    _ledger(con, people["capped"], "nurture-engineering-2026-11", "1", datetime(2026, 11, 23, 9), "nurture")


@pytest.fixture(scope="module")
def loop_warehouse(built_warehouse, tmp_path_factory) -> LoopWarehouse:
    path = tmp_path_factory.mktemp("loop") / "warehouse.duckdb"
    shutil.copyfile(built_warehouse[0], path)
    with connect(path) as con:
        ensure_schema(con, [])
        # new-position alerts: six people of the built batch, each with a new job they fit
        rows = con.execute("select candidate_id, step from marts.new_position_batch order by candidate_id").fetchall()
        assert len(rows) >= 10, "the demo should open jobs that fit at least 10 people"
        new_position = dict(zip(HELD_BACK, (c for c, _ in rows[:6])))
        told_step = dict(rows)[new_position["already_told"]]
        con.execute(
            "update marts.talent_pool set reapply_eligible_date = ? where candidate_id = ?",
            [AS_OF + timedelta(days=30), new_position["in_cool_off"]],
        )
        _hold_back(con, new_position, "new-position-alert", told_step, "new_position")

        # re-application notices: rejected people, opted in, with an address, whose family has an open job and
        # who are not among the people above; their cool-off ends two days before the run
        pool = [
            c
            for (c,) in con.execute(
                """
                with latest as (
                    select candidate_id, job_family from marts.rejections
                    qualify row_number() over (
                        partition by candidate_id order by closed_date desc, application_key desc) = 1
                )
                select t.candidate_id from marts.talent_pool t
                join marts.candidates c using (candidate_id)
                join latest using (candidate_id)
                where t.pool_status = 'rejected' and c.is_marketing_opt_in and c.email is not null
                  and latest.job_family in (select j.job_family from marts.candidate_job_fit f
                                            join staging.stg_jobs__job_postings j using (job_id))
                  and candidate_id not in (select candidate_id from marts.new_position_batch)
                order by candidate_id limit 10"""
            ).fetchall()
        ]
        assert len(pool) == 10
        con.execute(
            f"update marts.rejections set reapply_eligible_date = ? where candidate_id in ({', '.join('?' * 10)})",
            [AS_OF - timedelta(days=2), *pool],
        )
        reapply = dict(zip(HELD_BACK, pool[:6]))
        con.execute(
            "update marts.rejections set reapply_eligible_date = ? where candidate_id = ?",
            [AS_OF + timedelta(days=10), reapply["in_cool_off"]],
        )
        reapply_step = con.execute(
            "select application_key from marts.rejections where candidate_id = ? "
            "order by closed_date desc, application_key desc limit 1",
            [reapply["already_told"]],
        ).fetchone()[0]
        _hold_back(con, reapply, "reapply-notice", reapply_step, "reapply_notice")
    run_dbt(REBUILD, path, AS_OF)
    return LoopWarehouse(path, new_position, told_step, reapply, reapply_step, pool[6:])


@pytest.fixture
def loop_copy(loop_warehouse, tmp_path) -> LoopWarehouse:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(loop_warehouse.path, copy)
    return LoopWarehouse(**{**vars(loop_warehouse), "path": copy})
