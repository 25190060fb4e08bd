"""erase-candidate: carry out an erasure request (see crm/erasure.py for what is removed and what is kept),
holding the `warehouse` concurrency limit like every flow that writes the warehouse.

    python -m flows.erase --candidate-id C0123456789abcdef --reference REQ-2026-041 [--warehouse PATH]
"""

from __future__ import annotations

import argparse
import sys

from prefect import flow, get_run_logger

from crm.erasure import Erasure, UnknownCandidate, erase_candidate
from crm.warehouse import resolve
from flows.defaults import WAREHOUSE, hold


@flow(name="erase-candidate")
def erase(candidate_id: str, reference: str, warehouse: str = "data/warehouse.duckdb") -> Erasure:
    """Delete one person's records and keep only what stops them being contacted again.

    Args:
        candidate_id: the person's candidate_id (marts.candidates).
        reference: your ticket or request number, kept in the audit trail.
        warehouse: the DuckDB file (relative paths resolve against the checkout).
    """
    with hold(WAREHOUSE):
        done = erase_candidate(str(resolve(warehouse)), candidate_id, reference)
    get_run_logger().info(
        "erasure %s: %d raw rows deleted, %d address/phone hashes kept",
        reference,
        done.raw_rows_deleted,
        done.identifiers,
    )
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m flows.erase", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--candidate-id", required=True, help="the person's candidate_id (marts.candidates)")
    parser.add_argument("--reference", required=True, help="your ticket or request number, kept in the audit trail")
    parser.add_argument("--warehouse", default="data/warehouse.duckdb")
    args = parser.parse_args(argv)
    try:
        done = erase(candidate_id=args.candidate_id, reference=args.reference, warehouse=args.warehouse)
    except (UnknownCandidate, ValueError) as problem:
        print(f"erase: {problem}", file=sys.stderr)
        return 1
    print(
        f"Erased {done.candidate_id} ({done.reference}): {done.raw_rows_deleted} raw rows deleted, "
        f"{done.identifiers} address/phone hashes kept so they are never contacted again."
    )
    if done.files_to_redact:
        print("These landed files still hold the person's data (with other people's): redact or delete them:")
        print("\n".join(f"  {f}" for f in done.files_to_redact))
    print("Now rebuild: make run, or run the build-warehouse deployment.")
    return 0


if __name__ == "__main__":
    sys.exit(main())


if __name__ == "__main__":
    sys.exit(main())
