"""issue 18, part B, end to end through the send-alerts flow: who gets a new-position alert or a re-application
notice and who does not (no opt-in, suppressed, erased, in cool-off, already told, capped), and each exactly once
across reruns, a crash after the first batch included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import outbound.outbox
from crm.warehouse import connect
from flows.send import send_alerts

from .conftest import AS_OF, HELD_BACK

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _written(outbox: Path, kind: str) -> list[tuple[str, str]]:
    """(candidate id, step) of every personalization of `kind` in the outbox files."""
    return [
        (p["custom_args"]["candidate_id"], p["custom_args"]["step"])
        for path in sorted(outbox.rglob("*.json"))
        for body in [json.loads(path.read_text())]
        if kind in body["categories"]
        for p in body["personalizations"]
    ]


def _batch(warehouse: Path, table: str) -> set[tuple[str, str]]:
    with connect(warehouse, read_only=True) as con:
        return set(con.execute(f"select candidate_id, step from marts.{table}").fetchall())


def _run(warehouse: Path, outbox: Path):
    state = send_alerts(str(warehouse), str(outbox), AS_OF, "outbox", return_state=True)
    assert state.is_completed(), state.message
    return state.result()


def test_new_position_alerts_go_to_who_fits_and_may_be_mailed_and_nobody_else(loop_copy, tmp_path):
    batch = _batch(loop_copy.path, "new_position_batch")
    held = loop_copy.new_position
    assert len(batch) >= 4
    in_batch = {candidate for candidate, _ in batch}
    # no opt-in, suppressed, erased, in cool-off, capped: not in the batch at all
    assert in_batch.isdisjoint({held[reason] for reason in HELD_BACK if reason != "already_told"})
    # already told about this job: never about it again (another new job that fits may still come)
    assert (held["already_told"], loop_copy.new_position_told_step) not in batch

    summary = _run(loop_copy.path, tmp_path / "outbox").new_position
    written = _written(tmp_path / "outbox", "new_position")
    assert sorted(written) == sorted(batch) and summary.messages == len(batch)
    assert {candidate for candidate, _ in written}.isdisjoint(
        {held[reason] for reason in HELD_BACK if reason != "already_told"}
    )
    with connect(loop_copy.path, read_only=True) as con:
        kinds = con.execute(
            "select distinct kind, campaign_id from outbox.send_ledger where run_id <> 'run-earlier' "
            "and kind = 'new_position'"
        ).fetchall()
    assert kinds == [("new_position", "new-position-alert")]


def test_each_alert_names_the_job_and_why_it_fits_in_words(loop_copy, tmp_path):
    _run(loop_copy.path, tmp_path / "outbox")
    bodies = [json.loads(p.read_text()) for p in (tmp_path / "outbox" / "new-position-alert").glob("*.json")]
    assert bodies
    for body in bodies:
        assert set(body["categories"]) == {"new_position", "campaign-new-position-alert"}
        assert body["asm"]["group_id"] and body["template_id"]
        for personalization in body["personalizations"]:
            data, args = personalization["dynamic_template_data"], personalization["custom_args"]
            assert data["job_title"] and data["job_url"].endswith("utm_campaign=new-position-alert")
            assert args["step"] in data["job_url"] and data["kind"] == args["kind"] == "new_position"
            assert data["reasons"] and all(isinstance(r, str) and "{" not in r for r in data["reasons"])
            assert data["language"] == "ja" and data["variant"] in ("a", "b") and data["variant"] == args["variant"]
            assert data["sender_address"] and data["unsubscribe_url"]


def test_reapply_notices_go_once_per_rejection_to_who_may_apply_again(loop_copy, tmp_path):
    batch = _batch(loop_copy.path, "reapply_notice_batch")
    held = loop_copy.reapply_notice
    in_batch = {candidate for candidate, _ in batch}
    assert set(loop_copy.eligible) <= in_batch, "everyone nothing holds back gets the notice"
    assert in_batch.isdisjoint(held.values())

    summary = _run(loop_copy.path, tmp_path / "outbox").reapply_notice
    written = _written(tmp_path / "outbox", "reapply_notice")
    assert sorted(written) == sorted(batch) and summary.messages == len(batch)
    assert (held["already_told"], loop_copy.reapply_notice_told_step) not in written
    body = json.loads(next((tmp_path / "outbox" / "reapply-notice").glob("*.json")).read_text())
    assert set(body["categories"]) == {"reapply_notice", "campaign-reapply-notice"}
    for personalization in body["personalizations"]:
        data = personalization["dynamic_template_data"]
        assert data["job_family"] and data["eligible_date"] <= AS_OF.isoformat()
        assert 1 <= len(data["jobs"]) <= 3
        assert all(job["title"] and job["url"] and isinstance(job["reasons"], list) for job in data["jobs"])


def test_a_second_run_sends_nothing_again(loop_copy, tmp_path):
    first = _run(loop_copy.path, tmp_path / "outbox")
    second = _run(loop_copy.path, tmp_path / "outbox-again")
    assert first.new_position.messages > 0 and first.reapply_notice.messages > 0
    assert second.new_position.messages == 0 and second.reapply_notice.messages == 0
    assert second.new_position.already_sent == first.new_position.messages
    assert second.reapply_notice.already_sent == first.reapply_notice.messages
    assert not list((tmp_path / "outbox-again").rglob("*.json"))


def test_a_crash_after_the_first_batch_then_a_rerun_sends_each_alert_exactly_once(loop_copy, tmp_path, monkeypatch):
    """Requests of 3 recipients; the process dies after the first new-position request was written. The rerun
    writes the rest: together, every (person, job) of the batch once."""
    from outbound.settings import NurtureSettings

    monkeypatch.setattr(outbound.outbox, "NurtureSettings", lambda: NurtureSettings(batch_size=3))
    batch = _batch(loop_copy.path, "new_position_batch")
    assert len(batch) > 3
    real = outbound.outbox._write_batch
    written_batches = []

    def crash_after_first(con, outbox_dir, campaign, *args):
        if campaign.kind == "new_position" and written_batches:
            raise RuntimeError("the worker died")
        real(con, outbox_dir, campaign, *args)
        if campaign.kind == "new_position":
            written_batches.append(1)

    monkeypatch.setattr(outbound.outbox, "_write_batch", crash_after_first)
    state = send_alerts(str(loop_copy.path), str(tmp_path / "outbox"), AS_OF, "outbox", return_state=True)
    assert state.is_failed()
    assert len(_written(tmp_path / "outbox", "new_position")) == 3

    monkeypatch.setattr(outbound.outbox, "_write_batch", real)
    _run(loop_copy.path, tmp_path / "outbox")
    written = _written(tmp_path / "outbox", "new_position")
    assert sorted(written) == sorted(batch), "every alert once, none twice"


@pytest.mark.parametrize(
    "view, kind", [("new_position_batch_checks", "new_position"), ("reapply_notice_batch_checks", "reapply_notice")]
)
def test_every_rule_of_an_alert_gate_view_has_its_expectation_and_back(loop_warehouse, view, kind):
    from expectations.suites import RULES

    with connect(loop_warehouse.path, read_only=True) as con:
        columns = {
            name
            for name, type_ in con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'marts' and table_name = ?",
                [view],
            ).fetchall()
            if type_ == "BOOLEAN"
        }
    assert columns == set(RULES[kind])


def test_a_bounce_landed_after_the_build_stops_the_alerts_and_nothing_is_sent(loop_copy, tmp_path):
    """The gate reads the rules live: an address that bounced since the build stops the new-position send, the
    failure names the candidate id and the rule, never the address; the notices gated before it went out."""
    with connect(loop_copy.path) as con:
        candidate, email = con.execute(
            "select candidate_id, email from marts.new_position_batch order by candidate_id limit 1"
        ).fetchone()
        con.execute(
            "insert into raw.sendgrid_events values ('L-seeded', 'sendgrid', 'seeded.json', 0, now(), 'late-bounce', ?)",
            [json.dumps({"event": "bounce", "email": email, "timestamp": 1795000000, "sg_event_id": "late-bounce"})],
        )
    state = send_alerts(str(loop_copy.path), str(tmp_path / "outbox"), AS_OF, "outbox", return_state=True)
    assert state.is_failed()
    assert candidate in state.message and "is_suppressed" in state.message and "@" not in state.message
    assert _written(tmp_path / "outbox", "new_position") == []
    with connect(loop_copy.path, read_only=True) as con:
        sent = con.execute("select distinct kind from outbox.send_ledger where run_id <> 'run-earlier'").fetchall()
    kinds = {kind for (kind,) in sent}
    assert kinds <= {"reapply_notice"}


def test_sendgrid_mode_delivers_each_alert_and_notice_once_through_the_local_server(loop_copy, monkeypatch):
    """The same batches through the real SDK to the local SendGrid server (which validates each request): every
    (person, job) and every rejection once, a second run sends nothing. The template ids are pinned (the local
    mail server has no template store; reading them from the Templates API is tested in tests/outbound)."""
    from tests.outbound.conftest import PINNED_TEMPLATE_IDS

    for name, value in PINNED_TEMPLATE_IDS.items():
        monkeypatch.setenv(name, value)
    from connectors.common.http import Backoff
    from connectors.sinks.sendgrid.settings import SendGridSettings
    from outbound.campaigns import CAMPAIGNS
    from outbound.sendgrid_sends import send_sendgrid
    from tests.servers.sendgrid_server import API_KEY, MailSendServer

    expected = {kind: _batch(loop_copy.path, f"{kind}_batch") for kind in ("new_position", "reapply_notice")}
    with MailSendServer() as server:
        settings = SendGridSettings(
            api_key=API_KEY, api_url=server.host, timeout_s=30.0, backoff=Backoff(base_s=0.001, cap_s=0.01)
        )
        for _ in range(2):
            for kind in expected:
                send_sendgrid(loop_copy.path, AS_OF, CAMPAIGNS[kind], sendgrid=settings, sleep=lambda s: None)
    for kind, batch in expected.items():
        delivered = [d for d in server.delivered if kind in d.categories]
        assert sorted((d.custom_args["candidate_id"], d.custom_args["step"]) for d in delivered) == sorted(batch)
        assert all(d.custom_args["kind"] == kind and d.template_data["kind"] == kind for d in delivered)
