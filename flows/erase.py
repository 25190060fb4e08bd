"""erase-candidate: carry out an erasure request (see crm/erasure.py for what is removed, what is kept and
why), holding the `warehouse` concurrency limit like every flow that writes the warehouse. It writes a receipt
(`erasure_receipts/<reference>.json` beside the warehouse, and `audit.erasure_receipts`).

    python -m flows.erase --candidate-id C0123456789abcdef --reference REQ-2026-041 [--warehouse PATH]
        [--send-mode outbox|sendgrid] [--landing DIR] [--outbox DIR]

The keyed hashes it keeps use CRM_ERASURE_KEY (docs/runbook.md, "The erasure key"). In sendgrid mode the
address is also suppressed and erased at SendGrid, once; if that fails, run the same command again: only the
missing call is made.
"""

from __future__ import annotations

import argparse
import sys

from prefect import flow, get_run_logger

from connectors.sinks.sendgrid.api import SendGridRefused
from connectors.sinks.sendgrid.client import SendGridKeyMissing, SendGridKeyRefused, SendGridUnavailable
from crm.erasure import Erasure, UnknownCandidate, erase_candidate
from crm.erasure_keys import KEY_ENV, ErasureKeyError
from crm.warehouse import resolve
from flows.defaults import WAREHOUSE, hold


@flow(name="erase-candidate")
def erase(
    candidate_id: str,
    reference: str,
    warehouse: str = "data/warehouse.duckdb",
    send_mode: str = "outbox",
    landing: str | None = None,
    outbox_dir: str | None = None,
) -> Erasure:
    """Remove one person from everything the project wrote and keep only what stops them being contacted again.

    Args:
        candidate_id: the person's candidate_id (marts.candidates).
        reference: your ticket or request number, kept in the audit trail and naming the receipt.
        warehouse: the DuckDB file (relative paths resolve against the checkout).
        send_mode: sendgrid also suppresses the address at SendGrid and asks SendGrid to erase it.
        landing: the landing folder, to find archived source files (found from the files' own paths otherwise).
        outbox_dir: the outbox folder ('outbox' beside the warehouse when empty).
    """
    with hold(WAREHOUSE):
        done = erase_candidate(
            str(resolve(warehouse)),
            candidate_id,
            reference,
            outbox_dir=outbox_dir,
            landing=landing,
            send_mode=send_mode,
        )
    logger = get_run_logger()
    logger.info(
        "erasure %s: %s; %d keyed hashes kept (key %s); receipt %s",
        reference,
        ", ".join(f"{place}: {n}" for place, n in done.removed.items()),
        done.identifiers,
        done.key_id,
        done.receipt_file,
    )
    if done.demo_key:
        logger.warning("the erasure list used the public DEMO key: set %s (docs/runbook.md)", KEY_ENV)
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m flows.erase", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--candidate-id", required=True, help="the person's candidate_id (marts.candidates)")
    parser.add_argument("--reference", required=True, help="your ticket or request number, kept in the audit trail")
    parser.add_argument("--warehouse", default="data/warehouse.duckdb")
    parser.add_argument("--send-mode", choices=("outbox", "sendgrid"), default="outbox")
    parser.add_argument("--landing", default=None, help="the landing folder (to find archived source files)")
    parser.add_argument("--outbox", default=None, help="the outbox folder ('outbox' beside the warehouse)")
    args = parser.parse_args(argv)
    try:
        done = erase(
            candidate_id=args.candidate_id,
            reference=args.reference,
            warehouse=args.warehouse,
            send_mode=args.send_mode,
            landing=args.landing,
            outbox_dir=args.outbox,
        )
    except (SendGridKeyMissing, SendGridKeyRefused, SendGridUnavailable, SendGridRefused) as problem:
        print(
            f"erase: the warehouse part of {args.reference} is done, SendGrid's is not: {problem}. "
            "Run the same command again to make the missing SendGrid call.",
            file=sys.stderr,
        )
        return 1
    except (UnknownCandidate, ValueError, ErasureKeyError) as problem:
        print(f"erase: {problem}", file=sys.stderr)
        return 1
    print(
        f"Erased {done.candidate_id} ({done.reference}): {done.raw_rows_deleted} raw rows deleted, "
        f"{done.identifiers} address/phone hashes kept so they are never contacted again."
    )
    for place, count in done.removed.items():
        print(f"  {place}: {count} removed")
    if done.sendgrid.get("mode") == "sendgrid":
        print(
            "  SendGrid: global suppression "
            f"{done.sendgrid['global_suppression']['status']}, data erasure {done.sendgrid['data_erasure']['status']}"
        )
    print(f"Receipt: {done.receipt_file}")
    if done.demo_key:
        print(f"WARNING: the kept hashes use the public DEMO key: set {KEY_ENV} (docs/runbook.md, 'The erasure key').")
    if done.files_to_redact:
        print("These landed files still hold the person's data (with other people's): redact or delete them:")
        print("\n".join(f"  {f}" for f in done.files_to_redact))
    print("Now rebuild: make run, or run the build-warehouse deployment.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
