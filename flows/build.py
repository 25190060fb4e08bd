"""build-warehouse: raw gate, dbt build (models, tests, unit tests), staging and mart gates."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta

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
    """Gate the landed raw data, build every dbt model and test, gate staging and the marts, then write
    the KPI report.

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
    build = dbt_build(warehouse, as_of, return_state=True)
    if build.is_failed():
        return failed_with(build)
    summary.dbt = build.result()
    for stage in ("staging", "marts"):
        gate = validate_gate(warehouse, stage, as_of, return_state=True)
        if gate.is_failed():
            return failed_with(gate)
        summary.gates.append(gate.result())
    summary.report = publish_kpi_report(warehouse, as_of)
    return summary
