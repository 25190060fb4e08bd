"""ingest-sources: land every file under the landing folder into the warehouse's raw tables.

Every file under the source folders is accounted for: landed, skipped (loaded before), rejected for a
setting (it lands after the fix), waiting (still being written), or reported as unrecognised or refused
(audit.unlanded_files, a warning, and the run summary). Log lines name files, rows, fields and rules, never
a value from the data."""

from __future__ import annotations

import logging
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from connectors.common.landing import (
    FileNotice,
    LoadResult,
    land_stream,
    record_notices,
    stable_seconds_setting,
    wait_until_stable,
)
from connectors.sources import RAW_TABLES, all_streams, unlanded_files
from connectors.sources.greenhouse.api import GreenhouseSettings
from crm.summary import IngestSummary
from crm.warehouse import connect, ensure_schema
from flows.defaults import WAREHOUSE, Progress, hold

ARCHIVE_FOLDER = "_archive"  # landed files move here, one folder per load: kept, never deleted


class NoSourceFiles(FileNotFoundError):
    """The landing folder holds no source file and nothing was ever landed: there is nothing to build."""


def report_landing(logger: logging.Logger | logging.LoggerAdapter, stream_name: str, results: list[LoadResult]) -> None:
    """One line per stream, then a warning per quarantined record, rejected or failed file, and a line per
    file that waits; each names the file, the row and the rule, never a value."""
    loaded = [r for r in results if r.status == "loaded"]
    skipped = sum(r.status == "skipped" for r in results)
    logger.info(
        "%s: %d file(s) loaded, %d already loaded before; %d records read, %d landed, %d quarantined",
        stream_name,
        len(loaded),
        skipped,
        sum(r.records_read for r in loaded),
        sum(r.records_landed for r in loaded),
        sum(r.records_quarantined for r in loaded),
    )
    for result in results:
        if result.status == "loaded":
            for reason in result.reasons:
                logger.warning("quarantined: %s", reason)
        elif result.status in ("rejected", "failed"):
            logger.warning("not landed (%s): %s", result.status, result.message)
        elif result.status == "refused":
            logger.warning("refused: %s", result.message)
        elif result.status == "waiting":
            logger.info("waiting: %s", result.message)
        if "left in the landing folder" in result.message:
            logger.warning("not archived: %s", result.message)


def report_notices(logger: logging.Logger | logging.LoggerAdapter, notices: list[FileNotice]) -> None:
    for notice in notices:
        if notice.kind == "waiting":
            logger.info("waiting: %s", notice.reason)
        else:
            logger.warning("%s: %s", notice.kind, notice.reason)


def _run_id() -> str | None:
    return str(flow_run.get_id() or "") or None


@task(name="check-landing-folder", cache_policy=NO_CACHE)
def check_landing_folder(
    landing: str, warehouse: str, stream_names: list[str], stable_seconds: float, survey: bool = True
) -> list[FileNotice]:
    """With `survey`, report what no stream reads (unrecognised names, links, special files, partial
    uploads). Then, once, wait until the streams' files written less than `stable_seconds` ago have been
    unchanged that long, so files dropped or generated just before the run land now and files still growing
    wait for the next run."""
    logger = get_run_logger()
    notices = unlanded_files(Path(landing)) if survey else []
    if notices:
        with connect(warehouse) as con:
            record_notices(con, notices, _run_id())
    report_notices(logger, notices)
    files = [path for stream in all_streams(Path(landing)) if stream.name in stream_names for path in stream.files()]
    waited = wait_until_stable(files, stable_seconds)
    if waited:
        logger.info("waited %.0f s for files changed less than %g s ago to settle", waited, stable_seconds)
    return notices


@task(name="land-stream", cache_policy=NO_CACHE)
def land_stream_task(landing: str, warehouse: str, stream_name: str, stable_seconds: float = 0.0) -> list[LoadResult]:
    stream = next(s for s in all_streams(Path(landing)) if s.name == stream_name)
    with connect(warehouse) as con:
        results = land_stream(
            con,
            stream,
            run_id=_run_id(),
            archive=Path(landing) / ARCHIVE_FOLDER / stream.source,
            stable_seconds=stable_seconds,
        )
        waiting = [
            FileNotice(stream.source, r.file, Path(r.file).name, "waiting", r.message)
            for r in results
            if r.status == "waiting"
        ]
        record_notices(con, waiting, _run_id())
    report_landing(get_run_logger(), stream_name, results)
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
    A file lands once it has been unchanged for CRM_LANDING_STABLE_SECONDS (default 60; the run waits once
    for files younger than that) or has its `.done`/`.ok` marker.

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
            f"`python -m connectors.demo --people 3000 --out {landing_path}`"
        )
    stable_seconds = stable_seconds_setting()
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
        # the whole folder is checked by a full ingest; a run of a few streams (the hourly engagement sync)
        # only waits for its own files
        summary.add_notices(check_landing_folder(landing, warehouse, chosen, stable_seconds, survey=streams is None))
        progress = Progress("ingest-progress", f"Landing {len(chosen)} source streams")
        for done, name in enumerate(chosen, start=1):
            for result in land_stream_task(landing, warehouse, name, stable_seconds):
                summary.add(result)
            progress.update(done, len(chosen))
    if not summary.load_ids:
        if streams is None and not summary.by_source and not _ever_landed(warehouse):
            unread = [n.file for n in summary.notices.values() if n.kind != "waiting"]
            raise NoSourceFiles(
                f"no source files in {landing_path}: put the exports in its source folders (ats/greenhouse/, "
                "job_boards/indeed/, agencies/<agency name>/, ... see README.md), or generate demo data with "
                f"`python -m connectors.demo --people 3000 --out {landing_path}`"
                + (
                    f"; {len(unread)} file(s) there have names no source reads (e.g. {', '.join(unread[:3])}): "
                    "see the warnings above"
                    if unread
                    else ""
                )
            )
        logger.info("no new files: 0 records loaded")
    return summary


def _ever_landed(warehouse: str) -> bool:
    with connect(warehouse, read_only=True) as con:
        return bool(con.execute("select count(*) from audit.loads where status = 'loaded'").fetchone()[0])
