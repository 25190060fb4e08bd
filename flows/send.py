"""send-nurture: nurture mail for the talent pool, exactly once per (candidate, campaign, step)."""

from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Failed

from connectors.sinks.sendgrid.client import SendGridKeyMissing, SendGridKeyRefused, SendGridUnavailable
from connectors.sinks.sendgrid.outbox import SendSummary, write_nurture_outbox
from connectors.sinks.sendgrid.sender import send_nurture_sendgrid
from connectors.sinks.sendgrid.settings import NurtureSettings
from flows.quality import failed_with, validate_gate

SEND_MODES = ("outbox", "sendgrid")


class SendModeNotAvailable(ValueError):
    pass


@task(name="write-nurture-outbox", cache_policy=NO_CACHE)
def write_outbox(warehouse: str, outbox_dir: str, as_of: date) -> SendSummary:
    logger = get_run_logger()
    summary = write_nurture_outbox(warehouse, outbox_dir, as_of, run_id=str(flow_run.get_id() or ""))
    logger.info("nurture: %d in the audience, %d written to the outbox in %d batch(es), %d already sent for this "
                "campaign, %d held back by the frequency cap", summary.audience, summary.messages, summary.batches,
                summary.already_sent, summary.capped)
    return summary


@task(name="send-nurture-sendgrid", cache_policy=NO_CACHE)
def send_via_sendgrid(warehouse: str, as_of: date) -> SendSummary:
    """Idempotent by the send ledger: a retried task or flow run sends only what no run got to."""
    logger = get_run_logger()

    def progress(summary: SendSummary) -> None:
        logger.info("nurture: %d messages accepted by SendGrid in %d request(s) so far", summary.messages,
                    summary.batches)

    try:
        summary = send_nurture_sendgrid(warehouse, as_of, run_id=str(flow_run.get_id() or ""), after_batch=progress)
    except (SendGridKeyMissing, SendGridKeyRefused, SendGridUnavailable) as problem:
        logger.error(str(problem))
        return Failed(message=str(problem), data=problem)
    logger.info("nurture: %d in the audience, %d accepted by SendGrid in %d request(s), %d already sent for this "
                "campaign, %d held back by the frequency cap, %d refused, %d in doubt", summary.audience,
                summary.messages, summary.batches, summary.already_sent, summary.capped, len(summary.refused),
                summary.in_doubt)
    for refused in summary.refused:
        logger.warning("SendGrid refused the message for %s (%s): %s", refused["candidate_id"],
                       refused["campaign_id"], refused["reason"])
    if summary.in_doubt:
        logger.warning("%d recipients are in doubt (no answer from SendGrid): they are not sent again; see "
                       "docs/runbook.md, 'A send is in doubt'", summary.in_doubt)
    return summary


@flow(name="send-nurture")
def send_nurture(warehouse: str, outbox_dir: str, as_of: date, send_mode: str = "outbox") -> SendSummary:
    """Write (outbox) or send (sendgrid) this month's nurture campaign per segment."""
    if send_mode not in SEND_MODES:
        raise SendModeNotAvailable(f"--send-mode {send_mode!r} is not one of {', '.join(SEND_MODES)}")
    # the batch about to go out is gated here, in the send flow itself, so a send run on its own
    # (a separate deployment, a retry) never sends a batch nobody checked
    gate = validate_gate(warehouse, "nurture", as_of, NurtureSettings().frequency_cap_days, return_state=True)
    if gate.is_failed():
        return failed_with(gate)
    if send_mode == "sendgrid":
        return send_via_sendgrid(warehouse, as_of)
    return write_outbox(warehouse, outbox_dir, as_of)
