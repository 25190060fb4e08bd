"""sync-engagement-events: land new SendGrid Event Webhook files and event attendance, then rebuild only
what depends on them (suppressions, engagement scores, the talent pool and the mail batches), so a bounce or
an unsubscribe reaches the suppression list within the hour, not the next night."""

from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed

from crm.dbt_runner import DbtFailed, DbtSummary, last_build_covering, run_dbt
from crm.warehouse import connect, resolve
from flows.defaults import WAREHOUSE, hold, today_in_tokyo
from flows.ingest import IngestSummary, ingest_sources
from flows.quality import failed_with, validate_gate

ENGAGEMENT_STREAMS = ["sendgrid_events", "sendgrid_replies", "event_attendance"]
ENGAGEMENT_MODELS = ["stg_sendgrid__events+", "stg_sendgrid__replies+", "stg_attendance__attendances+"]


def engagement_landed_since_last_build(warehouse: str) -> bool:
    """Whether engagement events landed (by this flow, or by ingest-sources an hour ago) after the last build
    that rebuilt what depends on them: an unsubscribe landed by any flow is in the next rebuild."""
    since = last_build_covering(warehouse, (" ".join(ENGAGEMENT_MODELS),))
    with connect(warehouse, read_only=True) as con:
        return bool(
            con.execute(
                f"""select count(*) from audit.loads where status = 'loaded' and records_landed > 0
                    and stream in ({", ".join("?" * len(ENGAGEMENT_STREAMS))})
                    and (cast(? as timestamp) is null or finished_at > ?)""",
                [*ENGAGEMENT_STREAMS, since, since],
            ).fetchone()[0]
        )


@task(name="settle-in-doubt-sends", cache_policy=NO_CACHE)
def settle_in_doubt_sends(warehouse: str) -> tuple[int, int]:
    """Sends that got no answer, settled from the SendGrid events just landed, before anything is rebuilt:
    so a released recipient is back in the next batch, and an accepted one is never in it."""
    from connectors.sinks.sendgrid.settings import SendGridSettings
    from crm.warehouse import connect
    from outbound.sendgrid_sends import settle_in_doubt

    with connect(warehouse) as con:
        accepted, released = settle_in_doubt(con, SendGridSettings().in_doubt_release_hours)
    if accepted or released:
        get_run_logger().info(
            "in-doubt sends settled from SendGrid's processed events: %d were accepted, %d were "
            "not and go out with the next send",
            accepted,
            released,
        )
    return accepted, released


@task(name="dbt-build-engagement", cache_policy=NO_CACHE)
def dbt_build_engagement(warehouse: str, as_of: date) -> DbtSummary:
    logger = get_run_logger()
    try:
        summary = run_dbt(["build", "--select", *ENGAGEMENT_MODELS], warehouse, as_of)
    except DbtFailed as failure:
        logger.error(str(failure))
        return Failed(message=str(failure), data=failure)
    logger.info(
        "dbt build (engagement): %s", ", ".join(f"{status} {n}" for status, n in sorted(summary.counts.items()))
    )
    return summary


@flow(name="sync-engagement-events")
def sync_engagement_events(
    landing: str = "data/landing",
    warehouse: str = "data/warehouse.duckdb",
    as_of: date | None = None,
    rebuild: bool = True,
) -> IngestSummary:
    """Land new engagement events; with rebuild (the hourly deployment) also rebuild what depends on them.
    The pipeline lands them with rebuild=False and builds everything afterwards.

    Args:
        landing: the landing folder with one subfolder per source (relative paths resolve against the checkout).
        warehouse: the DuckDB file.
        as_of: the run date; today in Asia/Tokyo when empty.
        rebuild: rebuild the models that depend on the events.
    """
    landing, warehouse, as_of = str(resolve(landing)), str(resolve(warehouse)), as_of or today_in_tokyo()
    ingest = ingest_sources(landing, warehouse, ENGAGEMENT_STREAMS)
    with hold(WAREHOUSE):
        ingest.in_doubt_accepted, ingest.in_doubt_released = settle_in_doubt_sends(warehouse)
    if not rebuild:
        return ingest
    if not ingest.in_doubt_released and not engagement_landed_since_last_build(warehouse):
        get_run_logger().info("no engagement events landed since the last build: nothing to rebuild")
        return ingest
    with hold(WAREHOUSE):
        gate = validate_gate(warehouse, "raw", as_of, return_state=True)
        if gate.is_failed():
            return failed_with(gate)
        build = dbt_build_engagement(warehouse, as_of, return_state=True)
        if build.is_failed():
            return failed_with(build)
    return ingest
