"""ingest-sources: land every file under the landing folder into the warehouse's raw tables."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from connectors.common.landing import LoadResult, land_stream
from connectors.sources import RAW_TABLES, all_streams
from connectors.sources.greenhouse.api import GreenhouseSettings
from crm.summary import IngestSummary
from crm.warehouse import connect, ensure_schema
from flows.defaults import WAREHOUSE, Progress, hold

ARCHIVE_FOLDER = "_archive"  # landed files move here, one folder per load: kept, never deleted


class NoSourceFiles(FileNotFoundError):
    """The landing folder holds no source file and nothing was ever landed: there is nothing to build."""


@task(name="land-stream", cache_policy=NO_CACHE)
def land_stream_task(landing: str, warehouse: str, stream_name: str) -> list[LoadResult]:
    logger = get_run_logger()
    stream = next(s for s in all_streams(Path(landing)) if s.name == stream_name)
    with connect(warehouse) as con:
        results = land_stream(
            con,
            stream,
            run_id=str(flow_run.get_id() or "") or None,
            archive=Path(landing) / ARCHIVE_FOLDER / stream.source,
        )
    loaded = [r for r in results if r.status == "loaded"]
    logger.info(
        "%s: %d file(s) loaded, %d already loaded before; %d records read, %d landed, %d quarantined",
        stream_name,
        len(loaded),
        len(results) - len(loaded),
        sum(r.records_read for r in loaded),
        sum(r.records_landed for r in loaded),
        sum(r.records_quarantined for r in loaded),
    )
    for result in loaded:
        for reason in result.reasons:
            logger.warning("quarantined: %s", reason)
    return results


@task(name="pull-greenhouse-api", retries=2, retry_delay_seconds=60, cache_policy=NO_CACHE)
def pull_greenhouse_api(landing: str, warehouse: str) -> int:
    """Save new Harvest API pages into the landing folder (they land with the files below)."""
    from connectors.sources.greenhouse.api import pull

    with connect(warehouse) as con:
        written = pull(con, Path(landing))
    get_run_logger().info("greenhouse API: %d new page(s) saved", len(written))
    return len(written)


@flow(name="ingest-sources")
def ingest_sources(
    landing: str = "data/landing", warehouse: str = "data/warehouse.duckdb", streams: list[str] | None = None
) -> IngestSummary:
    """Land new files from every source folder (or only the named streams); files loaded before are skipped.

    Args:
        landing: the landing folder with one subfolder per source (relative paths resolve against the checkout).
        warehouse: the DuckDB file.
        streams: only these streams (e.g. sendgrid_events); all when empty.
    """
    logger = get_run_logger()
    landing_path = Path(landing)
    if not landing_path.is_dir():
        raise FileNotFoundError(
            f"landing folder {landing_path} does not exist: create it with the source folders "
            "(ats/greenhouse, job_boards/indeed, agencies/<name>, ...) or generate demo data with "
            "`python -m connectors.demo --people 3000 --out {landing_path}`"
        )
    with hold(WAREHOUSE):
        with connect(warehouse) as con:
            ensure_schema(con, RAW_TABLES)
        known = [stream.name for stream in all_streams(landing_path)]
        if unknown := sorted(set(streams or []) - set(known)):
            raise ValueError(f"unknown stream(s) {', '.join(unknown)}: the streams are {', '.join(known)}")
        if GreenhouseSettings().api_key and (streams is None or "greenhouse_candidates" in streams):
            pull_greenhouse_api(landing, warehouse)
        summary = IngestSummary()
        chosen = known if streams is None else [n for n in known if n in streams]
        progress = Progress("ingest-progress", f"Landing {len(chosen)} source streams")
        for done, name in enumerate(chosen, start=1):
            for result in land_stream_task(landing, warehouse, name):
                summary.add(result)
            progress.update(done, len(chosen))
    if not summary.load_ids:
        if streams is None and not summary.by_source and not _ever_landed(warehouse):
            raise NoSourceFiles(
                f"no source files in {landing_path}: put the exports in its source folders (ats/greenhouse/, "
                "job_boards/indeed/, agencies/<agency name>/, ... see README.md), or generate demo data with "
                f"`python -m connectors.demo --people 3000 --out {landing_path}`"
            )
        logger.info("no new files: 0 records loaded")
    return summary


def _ever_landed(warehouse: str) -> bool:
    with connect(warehouse, read_only=True) as con:
        return bool(con.execute("select count(*) from audit.loads where status = 'loaded'").fetchone()[0])
