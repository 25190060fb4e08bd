"""send-nurture: nurture mail for the talent pool, exactly once per (candidate, campaign, step)."""

from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from connectors.sinks.sendgrid.outbox import SendSummary, write_nurture_outbox
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


@flow(name="send-nurture")
def send_nurture(warehouse: str, outbox_dir: str, as_of: date, send_mode: str = "outbox") -> SendSummary:
    """Write (outbox) or send (sendgrid) this month's nurture campaign per segment."""
    if send_mode not in SEND_MODES:
        raise SendModeNotAvailable(f"--send-mode {send_mode!r} is not one of {', '.join(SEND_MODES)}")
    if send_mode == "sendgrid":
        raise SendModeNotAvailable(
            "--send-mode sendgrid is not available yet in this version: use --send-mode outbox "
            "(request bodies are written to the outbox and nothing is sent)")
    # the batch about to go out is gated here, in the send flow itself, so a send run on its own
    # (a separate deployment, a retry) never sends a batch nobody checked
    gate = validate_gate(warehouse, "nurture", as_of, NurtureSettings().frequency_cap_days, return_state=True)
    if gate.is_failed():
        return failed_with(gate)
    return write_outbox(warehouse, outbox_dir, as_of)
