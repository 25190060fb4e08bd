"""apply-retention: consent-renewal mail to people about to lapse, anonymisation of people who lapsed (no
activity and no renewed consent for `inactive_years`), and deletion of provision-log rows past their legal
period. The rules are in outbound/retention.py; anonymisation is the erasure code (crm/erasure.py), with a receipt
per person. Scheduled daily (prefect.yaml, apply-retention/daily).

    python -m flows.retention [--warehouse PATH] [--send-mode outbox|sendgrid] [--as-of YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from datetime import date

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from crm.erasure import UnknownCandidate, erase_candidate
from crm.warehouse import connect, ensure_schema, transaction
from flows.defaults import SENDGRID, WAREHOUSE, hold, send_defaults
from outbound.campaigns import SendSummary
from outbound.outbox import write_outbox
from outbound.retention import (
    RetentionSettings,
    delete_expired_provisions,
    due_for_anonymisation,
    reference_prefix,
    renewal_campaign,
)
from outbound.sendgrid_sends import send_sendgrid


@dataclass
class RetentionSummary:
    renewal_mails: int = 0
    renewal_in_doubt: int = 0
    anonymised: list[str] = field(default_factory=list)  # candidate ids (no personal data)
    receipts: list[str] = field(default_factory=list)
    provisions_deleted: int = 0


def _run_id() -> str:
    return str(flow_run.get_id() or "")


@task(name="send-consent-renewals", cache_policy=NO_CACHE)
def send_consent_renewals(
    warehouse: str, outbox_dir: str, as_of: date, send_mode: str, settings: RetentionSettings
) -> SendSummary:
    campaign = renewal_campaign(as_of, settings)
    if send_mode == "sendgrid":
        with hold(SENDGRID):
            summary = send_sendgrid(warehouse, as_of, campaign, run_id=_run_id())
    else:
        summary = write_outbox(warehouse, outbox_dir, as_of, campaign, run_id=_run_id())
    get_run_logger().info(
        "consent renewal: %d lapsing within %d days, %d mailed now in %d request(s), %d in doubt",
        summary.audience,
        settings.renewal_lead_days,
        summary.messages,
        summary.batches,
        summary.in_doubt,
    )
    return summary


@task(name="anonymise-lapsed", cache_policy=NO_CACHE)
def anonymise_lapsed(
    warehouse: str, outbox_dir: str, as_of: date, send_mode: str, settings: RetentionSettings
) -> list[tuple[str, str]]:
    with connect(warehouse, read_only=True) as con:
        due = due_for_anonymisation(con, as_of, settings)
    done = []
    for candidate_id in due:
        try:
            erasure = erase_candidate(
                warehouse,
                candidate_id,
                reference_prefix(as_of) + candidate_id,
                outbox_dir=outbox_dir,
                send_mode=send_mode,
                purpose="retention",
            )
        except UnknownCandidate:  # no source record left (erased or rebuilt away since the last build)
            get_run_logger().info("retention: %s has no source record left, nothing to anonymise", candidate_id)
            continue
        done.append((candidate_id, erasure.receipt_file))
    get_run_logger().info(
        "retention: %d people anonymised (no activity or renewed consent for %d years)",
        len(done),
        settings.inactive_years,
    )
    return done


@task(name="delete-expired-provisions", cache_policy=NO_CACHE)
def delete_provisions(warehouse: str, as_of: date) -> int:
    with connect(warehouse) as con, transaction(con):
        deleted = delete_expired_provisions(con, as_of)
    get_run_logger().info("provision log: %d rows past their legal period (retain_until) deleted", deleted)
    return deleted


@flow(name="apply-retention")
def apply_retention(
    warehouse: str = "data/warehouse.duckdb",
    outbox_dir: str | None = None,
    as_of: date | None = None,
    send_mode: str = "outbox",
    inactive_years: int | None = None,
    renewal_lead_days: int | None = None,
) -> RetentionSummary:
    """Renewal mail, then anonymisation of the lapsed, then the provision log's expired rows.

    Args:
        warehouse: the DuckDB file (relative paths resolve against the checkout).
        outbox_dir: where outbox mode writes the renewal mail; 'outbox' beside the warehouse when empty.
        as_of: the run date; today in Asia/Tokyo when empty.
        send_mode: outbox (write the requests) or sendgrid (send them).
        inactive_years: the period without activity or renewed consent (CRM_RETENTION_INACTIVE_YEARS, 3).
        renewal_lead_days: how long before the lapse the renewal mail goes (CRM_RETENTION_RENEWAL_LEAD_DAYS, 60).
    """
    warehouse, outbox_dir, as_of = send_defaults(warehouse, outbox_dir, as_of)
    defaults = RetentionSettings()
    settings = RetentionSettings(
        inactive_years=inactive_years if inactive_years is not None else defaults.inactive_years,
        renewal_lead_days=renewal_lead_days if renewal_lead_days is not None else defaults.renewal_lead_days,
        renewal_template_id=defaults.renewal_template_id,
    )
    summary = RetentionSummary()
    with hold(WAREHOUSE):
        with connect(warehouse) as con:
            ensure_schema(con, [])
        # renewals first: a person due both ways this run is mailed and anonymised only after the lead time
        renewal = send_consent_renewals(warehouse, outbox_dir, as_of, send_mode, settings)
        summary.renewal_mails, summary.renewal_in_doubt = renewal.messages, renewal.in_doubt
        for candidate_id, receipt in anonymise_lapsed(warehouse, outbox_dir, as_of, send_mode, settings):
            summary.anonymised.append(candidate_id)
            summary.receipts.append(receipt)
        summary.provisions_deleted = delete_provisions(warehouse, as_of)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m flows.retention", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--warehouse", default="data/warehouse.duckdb")
    parser.add_argument("--send-mode", choices=("outbox", "sendgrid"), default="outbox")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None)
    args = parser.parse_args(argv)
    done = apply_retention(warehouse=args.warehouse, send_mode=args.send_mode, as_of=args.as_of)
    print(
        f"Retention: {done.renewal_mails} consent-renewal mail(s), {len(done.anonymised)} people anonymised "
        f"(receipts beside the warehouse in erasure_receipts/), {done.provisions_deleted} provision-log rows "
        "past their legal period deleted."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
