"""release-in-doubt-sends: the operator's answer to SendGrid requests that went out and got no answer.

Such a batch may have been delivered, so no run sends it again until SendGrid's own events settle it (see
outbound/sendgrid_sends.py). Without an Event Webhook, or after a gap in it, only a person can decide:
look the batch up in SendGrid's Activity feed (custom arg `batch_id`), and release it only if SendGrid
shows nothing for it. A released batch is sent by the next run; the release is kept in
`audit.in_doubt_releases` with what you checked.

    python -m flows.in_doubt --warehouse data/warehouse.duckdb             # list what is in doubt
    python -m flows.in_doubt --warehouse data/warehouse.duckdb --release BATCH_ID \\
        --checked "SendGrid Activity shows no message with this batch_id"
"""

from __future__ import annotations

import argparse
import sys

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from crm.warehouse import connect, ensure_schema, resolve, transaction, utc_now
from flows.defaults import SENDGRID, WAREHOUSE, hold
from outbound.sendgrid_sends import in_doubt_batches, release_batches


class NotInDoubt(LookupError):
    pass


@flow(name="release-in-doubt-sends")
def release_in_doubt_sends(batch_ids: list[str], checked: str, warehouse: str = "data/warehouse.duckdb") -> int:
    """Release in-doubt SendGrid batches that you checked were not delivered; the next send run sends them.

    Args:
        batch_ids: the batches to release (`python -m flows.in_doubt` lists them).
        checked: what you checked in SendGrid, kept in audit.in_doubt_releases (e.g. "Activity feed: no message").
        warehouse: the DuckDB file.
    """
    if not checked.strip():
        raise ValueError("say what you checked in SendGrid (--checked): a release is kept in the audit trail")
    with hold(WAREHOUSE, SENDGRID), connect(resolve(warehouse)) as con:
        ensure_schema(con, [])
        pending = {b["batch_id"]: b for b in in_doubt_batches(con)}
        if unknown := sorted(set(batch_ids) - set(pending)):
            raise NotInDoubt(f"not in doubt (already settled, or no such batch): {', '.join(unknown)}")
        with transaction(con):
            released = release_batches(con, batch_ids)
            con.executemany(
                "insert into audit.in_doubt_releases values (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        b,
                        pending[b]["campaign_id"],
                        pending[b]["recipients"],
                        pending[b]["requested_at"],
                        utc_now(),
                        checked,
                        str(flow_run.get_id() or "") or None,
                    )
                    for b in batch_ids
                ],
            )
    get_run_logger().info(
        "released %d recipient(s) in %d batch(es); the next send run sends them", released, len(batch_ids)
    )
    return released


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m flows.in_doubt", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--warehouse", default="data/warehouse.duckdb")
    parser.add_argument("--release", action="append", default=[], metavar="BATCH_ID", help="release this batch")
    parser.add_argument("--checked", default="", help="what you checked in SendGrid (required with --release)")
    args = parser.parse_args(argv)
    if not args.release:
        with connect(resolve(args.warehouse), read_only=True) as con:
            batches = in_doubt_batches(con)
        if not batches:
            print("Nothing is in doubt.")
        for b in batches:
            print(
                f"{b['batch_id']}  {b['campaign_id']}  {b['recipients']} recipient(s)  requested {b['requested_at']:%Y-%m-%d %H:%M} UTC"
            )
        return 0
    try:
        released = release_in_doubt_sends(batch_ids=args.release, checked=args.checked, warehouse=args.warehouse)
    except (NotInDoubt, ValueError) as problem:
        print(f"in_doubt: {problem}", file=sys.stderr)
        return 1
    print(f"Released {released} recipient(s); the next send run sends them.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
