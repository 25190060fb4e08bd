"""The run summary in both send modes, as an operator reads it in the terminal and in the Prefect UI."""

from __future__ import annotations

from types import SimpleNamespace

from crm.gates import ExpectationOutcome, GateReport
from crm.summary import IngestSummary, RunSummary, SourceTotals
from outbound.campaigns import SendSummary
from outbound.referrals import ProvisionSummary


def _summary(mode: str) -> RunSummary:
    ingest = IngestSummary(by_source={"greenhouse": SourceTotals(2, 0, 120, 118, 2)}, load_ids=["L1", "L2"])
    gate = GateReport(
        outcomes=[
            ExpectationOutcome(
                "raw_greenhouse_candidates", "expect_column_values_to_be_between", "id", "blocking", True, "ok"
            )
        ],
        rows_checked={"raw_greenhouse_candidates": 118},
    )
    send = SendSummary(
        mode=mode, messages=90, batches=1, already_sent=5, capped=3, in_doubt=2 if mode == "sendgrid" else 0
    )
    outbound = SimpleNamespace(
        rejections=SendSummary(mode=mode, kind="rejection", messages=4, already_sent=1),
        referrals=ProvisionSummary(mode="csv", provided=2),
    )
    counts = {"candidates": 100, "candidate_records": 118, "landed:greenhouse": 118, "relay_referrals": 2}
    return RunSummary(
        ingest=ingest,
        build=SimpleNamespace(gates=[gate], report=None),
        send=send,
        outbox_dir="/tmp/outbox",
        warehouse=counts,
        outbound=outbound,
    )


def test_sendgrid_mode_says_what_sendgrid_accepted_and_what_is_in_doubt():
    summary = _summary("sendgrid")
    markdown, text = summary.markdown(), summary.text()
    assert "**SendGrid:** 90 messages" in markdown and "2 in doubt" in markdown
    assert "**Rejection mail:**" in markdown and "**Career Relay:**" in markdown
    assert "Messages accepted by SendGrid: 90" in text and "2 in doubt" in text


def test_outbox_mode_says_where_the_requests_went():
    summary = _summary("outbox")
    assert "**Outbox:** 90 messages" in summary.markdown()
    assert "Messages written to the outbox: 90 in 1 batch(es) -> /tmp/outbox" in summary.text()
    assert "| greenhouse | 2 | 0 | 120 | 118 | 2 | 118 |" in summary.markdown()
