"""build-warehouse: raw gate, dbt source freshness, dbt build (models and their tests), KPI report.

dbt tests own the invariants of the models (error severity fails the build, naming the test; warn severity
is reported in the run summary); Great Expectations keeps the raw gate before dbt and the send gates."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed

from crm.dbt_runner import (
    DbtFailed,
    DbtSummary,
    build_or_retry,
    data_fingerprint,
    dbt_vars,
    project_fingerprint,
    run_dbt,
    target_dir,
)
from crm.gates import GateReport
from crm.report import kpi_table, write_kpi_report
from crm.site import site_url
from crm.warehouse import resolve
from flows.defaults import WAREHOUSE, hold, today_in_tokyo
from flows.quality import failed_with, validate_gate


@dataclass
class BuildSummary:
    dbt: DbtSummary | None = None
    gates: list[GateReport] = field(default_factory=list)
    report: str | None = None
    docs: str | None = None
    # dbt tests and source freshness checks at warn severity: "<test or source>: <dbt's message>"
    dbt_warnings: list[str] = field(default_factory=list)


def dbt_warnings(warehouse: str, artifact: str, invocation_id: str | None = None) -> list[str]:
    """The nodes a dbt invocation reported at warn severity, from its artifact beside the warehouse
    (run_results.json for a build, sources.json for source freshness); only that invocation's."""
    path = Path(target_dir(warehouse)) / artifact
    if not path.is_file():
        return []
    results = json.loads(path.read_text())
    if invocation_id and results.get("metadata", {}).get("invocation_id") != invocation_id:
        return []
    warned = []
    for node in results.get("results", []):
        if node.get("status") == "warn":
            kind, _, *parts = node.get("unique_id", "").split(".")
            # test.<project>.<name>.<hash>, source.<project>.<source>.<table>, model.<project>.<name>
            name = parts[0] if kind == "test" else ".".join(parts)
            if artifact == "sources.json":
                age = node.get("max_loaded_at_time_ago_in_s")
                detail = f"newest landing {age / 86400:.0f} days ago" if age is not None else "stale"
            else:
                detail = (node.get("message") or "").strip() or "warn"
            warned.append(f"{name}: {detail}")
    return warned


def dbt_cache_key(context, parameters) -> str:
    """Same warehouse, run date, landed data, ledgers, dbt project and settings: the build's result would be
    the same, so a retried or repeated run takes it from the cache instead of rebuilding."""
    key = [
        json.dumps(dbt_vars(parameters["warehouse"], parameters["as_of"]), sort_keys=True),
        data_fingerprint(parameters["warehouse"]),
        project_fingerprint(),
    ]
    return "dbt-build-" + hashlib.sha256("|".join(key).encode()).hexdigest()[:32]


@task(name="dbt-build", cache_key_fn=dbt_cache_key, persist_result=True, cache_expiration=timedelta(days=2))
def dbt_build(warehouse: str, as_of: date) -> DbtSummary:
    logger = get_run_logger()
    try:
        summary = build_or_retry(warehouse, as_of)
    except DbtFailed as failure:
        logger.error(str(failure))
        return Failed(message=str(failure), data=failure)
    logger.info("dbt build: %s", ", ".join(f"{status} {n}" for status, n in sorted(summary.counts.items())))
    return summary


@task(name="check-source-freshness", cache_policy=NO_CACHE)
def check_source_freshness(warehouse: str, as_of: date) -> list[str]:
    """dbt source freshness over the landed sources: a source that landed before and then nothing for a
    long time is reported (warn severity only; nothing is blocked)."""
    logger = get_run_logger()
    summary = run_dbt(["source", "freshness"], warehouse, as_of)
    warned = dbt_warnings(warehouse, "sources.json", summary.invocation_id)
    for warning in warned:
        logger.warning("source freshness: %s", warning)
    return warned


@task(name="publish-kpi-report", cache_policy=NO_CACHE)
def publish_kpi_report(warehouse: str, as_of: date) -> str:
    """The static KPI report beside the warehouse, linked from the run (aggregates and ids only)."""
    path = write_kpi_report(warehouse, as_of)
    create_link_artifact(
        key="kpi-report",
        link=site_url("reports/kpi_report.html"),
        link_text="KPI report",
        description=f"Applications, hires, channel mix, talent pool and job matches as of {as_of} "
        f"(served by `make site`; the file: {path})",
    )
    create_table_artifact(
        key="kpi-latest", table=kpi_table(warehouse, as_of), description=f"Headline KPIs per month, as of {as_of}"
    )
    get_run_logger().info("KPI report written to %s", path)
    return str(path)


@task(name="generate-dbt-docs", cache_policy=NO_CACHE)
def generate_dbt_docs(warehouse: str, as_of: date) -> str:
    """The dbt docs site for HR (what each mart answers, every column), linked from the run."""
    run_dbt(["docs", "generate"], warehouse, as_of)
    index = target_dir(warehouse) / "index.html"
    create_link_artifact(
        key="dbt-docs",
        link=site_url("dbt-docs/index.html"),
        link_text="dbt docs",
        description="Models and columns described for HR (served by `make site`)",
    )
    return str(index)


@flow(name="build-warehouse")
def build_warehouse(
    warehouse: str = "data/warehouse.duckdb", as_of: date | None = None, generate_docs: bool = False
) -> BuildSummary:
    """Gate the landed raw data, check the sources' freshness, build every dbt model and run its tests,
    then write the KPI report. A dbt test at error severity fails the build with a message naming it.

    Args:
        warehouse: the DuckDB file (relative paths resolve against the checkout).
        as_of: the run date; today in Asia/Tokyo when empty.
        generate_docs: also regenerate the dbt docs site and link it from the run.
    """
    warehouse, as_of = str(resolve(warehouse)), as_of or today_in_tokyo()
    with hold(WAREHOUSE):
        summary = _build(warehouse, as_of)
        if generate_docs and isinstance(summary, BuildSummary):
            summary.docs = generate_dbt_docs(warehouse, as_of)
        return summary


def _build(warehouse: str, as_of: date) -> BuildSummary:
    summary = BuildSummary()
    raw_gate = validate_gate(warehouse, "raw", as_of, return_state=True)
    if raw_gate.is_failed():
        return failed_with(raw_gate)
    summary.gates.append(raw_gate.result())
    freshness = check_source_freshness(warehouse, as_of, return_state=True)
    if freshness.is_failed():
        return failed_with(freshness)
    summary.dbt_warnings += freshness.result()
    build = dbt_build(warehouse, as_of, return_state=True)
    if build.is_failed():
        return failed_with(build)
    summary.dbt = build.result()
    tests_warned = dbt_warnings(warehouse, "run_results.json", summary.dbt.invocation_id)
    for warning in tests_warned:
        get_run_logger().warning("dbt test warning: %s", warning)
    summary.dbt_warnings += tests_warned
    summary.report = publish_kpi_report(warehouse, as_of)
    return summary
