"""The outbound flows, each idempotent by its ledger: a retried task or flow run sends only what no run got to.

send-alerts                     the re-engagement mail of the day: re-application notices (a cool-off ended
                                while a job of the family is open), then new-position alerts (a job that fits
                                opened), each behind its own gate; before the nurture mail, so the timely mail
                                wins the frequency cap
send-nurture                    this month's nurture mail per segment
send-rejections-and-referrals   rejection mail with the personal Career Relay link, then the referrals of
                                people who consented, to the Career Relay API or as CSV for the operator
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Failed

from connectors.sinks.career_relay.client import CareerRelayKeyRefused, CareerRelayUnavailable
from connectors.sinks.sendgrid.client import SendGridKeyMissing, SendGridKeyRefused, SendGridUnavailable
from crm.warehouse import resolve
from flows.defaults import CAREER_RELAY, SENDGRID, WAREHOUSE, Progress, hold, send_defaults
from flows.quality import failed_with, validate_gate
from outbound.campaigns import CAMPAIGNS, SendSummary
from outbound.ledger import record_completed_run
from outbound.outbox import write_outbox as write_campaign_outbox
from outbound.referrals import ProvisionSummary, provide_referrals
from outbound.sendgrid_sends import send_sendgrid
from outbound.settings import NurtureSettings

SendMode = Literal["outbox", "sendgrid"]
SEND_MODES = get_args(SendMode)


class SendModeNotAvailable(ValueError):
    pass


def _run_id() -> str:
    return str(flow_run.get_id() or "")


@task(name="write-outbox", cache_policy=NO_CACHE, task_run_name="write-{kind}-outbox")
def write_outbox(warehouse: str, outbox_dir: str, as_of: date, kind: str = "nurture") -> SendSummary:
    summary = write_campaign_outbox(warehouse, outbox_dir, as_of, CAMPAIGNS[kind], run_id=_run_id())
    record_completed_run(warehouse, kind, CAMPAIGNS[kind].batch_table, _run_id(), summary.messages)
    get_run_logger().info(
        "%s: %d in the batch, %d written to the outbox in %d request(s), %d already sent, %d held back by the "
        "frequency cap",
        kind,
        summary.audience,
        summary.messages,
        summary.batches,
        summary.already_sent,
        summary.capped,
    )
    return summary


@task(name="send-sendgrid", cache_policy=NO_CACHE, task_run_name="send-{kind}-sendgrid")
def send_via_sendgrid(warehouse: str, as_of: date, kind: str = "nurture") -> SendSummary:
    logger = get_run_logger()
    bar = Progress(f"{kind}-send-progress", f"{kind} mail accepted by SendGrid")

    def progress(summary: SendSummary) -> None:
        logger.info(
            "%s: %d messages accepted by SendGrid in %d request(s) so far", kind, summary.messages, summary.batches
        )
        settled = summary.messages + len(summary.refused) + summary.in_doubt
        bar.update(settled, max(settled, summary.audience - summary.already_sent - summary.capped))

    try:
        summary = send_sendgrid(warehouse, as_of, CAMPAIGNS[kind], run_id=_run_id(), after_batch=progress)
    except (SendGridKeyMissing, SendGridKeyRefused, SendGridUnavailable) as problem:
        logger.error(str(problem))
        return Failed(message=str(problem), data=problem)
    record_completed_run(warehouse, kind, CAMPAIGNS[kind].batch_table, _run_id(), summary.messages)
    logger.info(
        "%s: %d in the batch, %d accepted by SendGrid in %d request(s), %d already sent, %d held back "
        "by the frequency cap, %d refused, %d in doubt",
        kind,
        summary.audience,
        summary.messages,
        summary.batches,
        summary.already_sent,
        summary.capped,
        len(summary.refused),
        summary.in_doubt,
    )
    for refused in summary.refused:
        logger.warning(
            "SendGrid refused the message for %s (%s): %s",
            refused["candidate_id"],
            refused["campaign_id"],
            refused["reason"],
        )
    if summary.settled_accepted or summary.released:
        logger.info(
            "%s: in-doubt sends settled from SendGrid's processed events: %d were accepted, %d were not "
            "and went out in this run",
            kind,
            summary.settled_accepted,
            summary.released,
        )
    if summary.in_doubt:
        logger.warning(
            "%d recipients are in doubt (no answer from SendGrid yet): they are not sent again until "
            "SendGrid's events settle them; see docs/runbook.md, 'A send is in doubt'",
            summary.in_doubt,
        )
    return summary


def _check_mode(send_mode: str) -> None:
    if send_mode not in SEND_MODES:
        raise SendModeNotAvailable(f"--send-mode {send_mode!r} is not one of {', '.join(SEND_MODES)}")


def _send_campaign(warehouse: str, outbox_dir: str, as_of: date, send_mode: str, kind: str, gate_stage: str):
    # the batch about to go out is gated here, in the send flow itself, so a send run on its own
    # (a separate deployment, a retry) never sends a batch nobody checked
    gate = validate_gate(warehouse, gate_stage, as_of, NurtureSettings().frequency_cap_days, return_state=True)
    if gate.is_failed():
        return gate
    if send_mode == "sendgrid":
        return send_via_sendgrid(warehouse, as_of, kind, return_state=True)
    return write_outbox(warehouse, outbox_dir, as_of, kind, return_state=True)


@flow(name="send-nurture")
def send_nurture(
    warehouse: str = "data/warehouse.duckdb",
    outbox_dir: str | None = None,
    as_of: date | None = None,
    send_mode: SendMode = "outbox",
) -> SendSummary:
    """Write (outbox) or send (sendgrid) this month's nurture campaign per segment.

    Args:
        warehouse: the DuckDB file (relative paths resolve against the checkout).
        outbox_dir: where outbox mode writes request bodies; 'outbox' beside the warehouse when empty.
        as_of: the run date; today in Asia/Tokyo when empty.
        send_mode: outbox (write the exact requests, send nothing) or sendgrid (send through the API).
    """
    _check_mode(send_mode)
    warehouse, outbox_dir, as_of = send_defaults(warehouse, outbox_dir, as_of)
    with hold(WAREHOUSE, SENDGRID):
        state = _send_campaign(warehouse, outbox_dir, as_of, send_mode, "nurture", "nurture")
    return failed_with(state) if state.is_failed() else state.result()


@dataclass
class AlertSends:
    reapply_notice: SendSummary
    new_position: SendSummary


@flow(name="send-alerts")
def send_alerts(
    warehouse: str = "data/warehouse.duckdb",
    outbox_dir: str | None = None,
    as_of: date | None = None,
    send_mode: SendMode = "outbox",
) -> AlertSends:
    """Re-application notices, then new-position alerts (issue 18), each behind its own gate and exactly once by
    the send ledger (once per rejection, once per person and job).

    Args:
        warehouse: the DuckDB file (relative paths resolve against the checkout).
        outbox_dir: where outbox mode writes request bodies; 'outbox' beside the warehouse when empty.
        as_of: the run date; today in Asia/Tokyo when empty.
        send_mode: outbox (write the exact requests, send nothing) or sendgrid (send through the API).
    """
    _check_mode(send_mode)
    warehouse, outbox_dir, as_of = send_defaults(warehouse, outbox_dir, as_of)
    with hold(WAREHOUSE, SENDGRID):
        sent = {}
        for kind in ("reapply_notice", "new_position"):
            # the gate's stage names its Prefect artifact, which takes dashes only
            state = _send_campaign(warehouse, outbox_dir, as_of, send_mode, kind, kind.replace("_", "-"))
            if state.is_failed():
                return failed_with(state)
            sent[kind] = state.result()
    return AlertSends(**sent)


@dataclass
class RejectionsAndReferrals:
    rejections: SendSummary
    referrals: ProvisionSummary


@task(name="provide-referrals", cache_policy=NO_CACHE)
def provide_relay_referrals(warehouse: str, as_of: date) -> ProvisionSummary:
    logger = get_run_logger()
    export_dir = resolve(warehouse).parent / "exports" / "career_relay"
    try:
        summary = provide_referrals(warehouse, as_of, export_dir, run_id=_run_id())
    except (CareerRelayKeyRefused, CareerRelayUnavailable) as problem:
        logger.error(str(problem))
        return Failed(message=str(problem), data=problem)
    where = f"exported to {export_dir} for the operator" if summary.mode == "csv" else "pushed to the Career Relay API"
    logger.info(
        "Career Relay: %d referral(s) with consent %s in %d batch(es) (%d resumed from an earlier run), "
        "each written to the provision log",
        summary.provided,
        where,
        summary.batches,
        summary.resumed,
    )
    for refused in summary.refused:
        logger.warning("Career Relay refused batch %s: %s", refused["batch_id"], refused["reason"])
    return summary


@flow(name="send-rejections-and-referrals")
def send_rejections_and_referrals(
    warehouse: str = "data/warehouse.duckdb",
    outbox_dir: str | None = None,
    as_of: date | None = None,
    send_mode: SendMode = "outbox",
) -> RejectionsAndReferrals:
    """Rejection mail (each with the person's Career Relay link) for new rejections, then the Career Relay
    referrals of the people who consented; each step behind its own gate.

    Args:
        warehouse: the DuckDB file (relative paths resolve against the checkout).
        outbox_dir: where outbox mode writes request bodies; 'outbox' beside the warehouse when empty.
        as_of: the run date; today in Asia/Tokyo when empty.
        send_mode: outbox (write the exact requests, send nothing) or sendgrid (send through the API).
    """
    _check_mode(send_mode)
    warehouse, outbox_dir, as_of = send_defaults(warehouse, outbox_dir, as_of)
    with hold(WAREHOUSE, SENDGRID, CAREER_RELAY):
        return _send_rejections_and_referrals(warehouse, outbox_dir, as_of, send_mode)


def _send_rejections_and_referrals(warehouse: str, outbox_dir: str, as_of: date, send_mode: str):
    mail = _send_campaign(warehouse, outbox_dir, as_of, send_mode, "rejection", "rejections")
    if mail.is_failed():
        return failed_with(mail)
    gate = validate_gate(warehouse, "referrals", as_of, return_state=True)
    if gate.is_failed():
        return failed_with(gate)
    referrals = provide_relay_referrals(warehouse, as_of, return_state=True)
    if referrals.is_failed():
        return failed_with(referrals)
    return RejectionsAndReferrals(mail.result(), referrals.result())
