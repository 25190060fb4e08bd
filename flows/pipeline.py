"""pipeline: sync-engagement-events (landing only) -> ingest-sources -> build-warehouse (gates + dbt) ->
send-alerts -> send-nurture -> send-rejections-and-referrals, each a subflow.

    python -m flows.pipeline --landing DIR --warehouse PATH [--send-mode outbox|sendgrid] [--outbox DIR]
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run

from crm.runs import nothing_new, record_completed
from crm.summary import RunSummary, failed_run_markdown, read_warehouse_counts
from crm.warehouse import resolve
from flows.build import build_warehouse
from flows.defaults import send_defaults, today_in_tokyo
from flows.engagement import sync_engagement_events
from flows.ingest import ingest_sources
from flows.quality import failed_with
from flows.send import SendMode, send_alerts, send_nurture, send_rejections_and_referrals


@flow(name="pipeline", log_prints=False)
def pipeline(
    landing: str = "data/landing",
    warehouse: str = "data/warehouse.duckdb",
    send_mode: SendMode = "outbox",
    outbox_dir: str | None = None,
    as_of: date | None = None,
) -> RunSummary:
    """Land new source files, build and gate the warehouse, then write or send the nurture mail, the
    rejection mail with its Career Relay links, and the Career Relay referrals.

    Args:
        landing: the landing folder with one subfolder per source (relative paths resolve against the checkout).
        warehouse: the DuckDB file.
        send_mode: outbox (write the exact requests, send nothing) or sendgrid (send through the API).
        outbox_dir: where outbox mode writes request bodies; 'outbox' beside the warehouse when empty.
        as_of: the run date; today in Asia/Tokyo when empty.
    """
    logger = get_run_logger()
    landing = str(resolve(landing))
    warehouse, outbox_dir, as_of = send_defaults(warehouse, outbox_dir, as_of)

    engagement_state = sync_engagement_events(landing, warehouse, as_of, rebuild=False, return_state=True)
    if engagement_state.is_failed():
        return _failed("sync-engagement-events", engagement_state, None, [])
    ingest_state = ingest_sources(landing, warehouse, return_state=True)
    if ingest_state.is_failed():
        return _failed("ingest-sources", ingest_state, engagement_state.result(), [])
    ingest = ingest_state.result().merge(engagement_state.result())
    build_state = build_warehouse(warehouse, as_of, return_state=True)
    if build_state.is_failed():
        return _failed("build-warehouse", build_state, ingest, [])
    alerts_state = send_alerts(warehouse, outbox_dir, as_of, send_mode, return_state=True)
    if alerts_state.is_failed():
        return _failed("send-alerts", alerts_state, ingest, [])
    alerts = alerts_state.result()
    sent = [
        f"{alerts.reapply_notice.messages:,} re-application notices, {alerts.new_position.messages:,} new-position "
        f"alerts ({send_mode})"
    ]
    send_state = send_nurture(warehouse, outbox_dir, as_of, send_mode, return_state=True)
    if send_state.is_failed():
        return _failed("send-nurture", send_state, ingest, sent)
    sent.append(f"{send_state.result().messages:,} nurture messages ({send_mode})")
    outbound_state = send_rejections_and_referrals(warehouse, outbox_dir, as_of, send_mode, return_state=True)
    if outbound_state.is_failed():
        return _failed("send-rejections-and-referrals", outbound_state, ingest, sent)
    build, sent = build_state.result(), send_state.result()

    summary = RunSummary(
        ingest=ingest,
        build=build,
        send=sent,
        outbox_dir=outbox_dir,
        warehouse=read_warehouse_counts(warehouse),
        outbound=outbound_state.result(),
        alerts=alerts,
    )
    create_markdown_artifact(
        key="pipeline-summary",
        markdown=summary.markdown(),
        description="Records per source, candidates, gates, messages",
    )
    record_completed(warehouse, as_of, send_mode, summary.text(), str(flow_run.get_id() or "") or None)
    logger.info(
        "pipeline done: %s candidates, %s nurture messages %s",
        f"{summary.warehouse.get('candidates', 0):,}",
        f"{sent.messages:,}",
        "written to the outbox" if send_mode == "outbox" else "accepted by SendGrid",
    )
    return summary


def _failed(step: str, state, ingest, sent: list[str]):
    """End the run Failed with the step's message, and publish the failed run's summary on it first."""
    create_markdown_artifact(
        key="pipeline-summary",
        markdown=failed_run_markdown(step, str(state.message or ""), ingest, sent),
        description=f"Failed at {step}: what landed, what was sent, what to do",
    )
    return failed_with(state)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m flows.pipeline", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--landing", default="data/landing", help="landing folder (default data/landing)")
    parser.add_argument(
        "--warehouse", default="data/warehouse.duckdb", help="DuckDB file (default data/warehouse.duckdb)"
    )
    parser.add_argument(
        "--send-mode",
        choices=("outbox", "sendgrid"),
        default="outbox",
        help="outbox writes request bodies and sends nothing (default); sendgrid sends",
    )
    parser.add_argument("--outbox", default=None, help="outbox folder (default: 'outbox' beside the warehouse)")
    parser.add_argument(
        "--as-of", type=date.fromisoformat, default=None, help="run date (default: today in Asia/Tokyo)"
    )
    parser.add_argument("--force", action="store_true", help="run every step even when nothing is new")
    args = parser.parse_args(argv)
    if not args.force and (
        last := nothing_new(args.landing, args.warehouse, args.as_of or today_in_tokyo(), args.send_mode)
    ):
        print(
            f"Nothing new since {last.finished_at:%Y-%m-%d %H:%M} UTC: no new file in {resolve(args.landing)}, "
            "and the warehouse, the ledgers and the dbt project are as that run left them; nothing was built or "
            "sent again (--force runs every step anyway). That run's summary:\n"
        )
        print(last.summary)
        return 0
    try:
        summary = pipeline(
            landing=args.landing,
            warehouse=args.warehouse,
            send_mode=args.send_mode,
            outbox_dir=args.outbox,
            as_of=args.as_of,
        )
    except Exception as exc:  # the flow run is already marked Failed; give the person one clear message
        print(f"\npipeline failed: {exc}", file=sys.stderr)
        return 1
    print("\n" + summary.text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
