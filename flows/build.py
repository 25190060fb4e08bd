"""build-warehouse: raw gate, dbt build (models, tests, unit tests), staging and mart gates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed

from connectors.sinks.career_relay.settings import CareerRelaySettings
from connectors.sinks.sendgrid.settings import NurtureSettings
from flows.dbt import DbtFailed, DbtSummary, run_dbt
from flows.gates import GateReport
from flows.quality import failed_with, validate_gate
from flows.report import write_kpi_report


@dataclass
class BuildSummary:
    dbt: DbtSummary | None = None
    gates: list[GateReport] = field(default_factory=list)
    report: str | None = None


def settings_vars() -> dict:
    """The dbt vars that come from the sinks' settings, so dbt and the send steps agree."""
    return {"nurture_frequency_cap_days": NurtureSettings().frequency_cap_days,
            "career_relay_company_id": CareerRelaySettings().company_id}


@task(name="dbt-build", cache_policy=NO_CACHE)
def dbt_build(warehouse: str, as_of: date) -> DbtSummary:
    logger = get_run_logger()
    try:
        summary = run_dbt(["build"], warehouse, as_of, settings_vars())
    except DbtFailed as failure:
        logger.error(str(failure))
        return Failed(message=str(failure), data=failure)
    logger.info("dbt build: %s", ", ".join(f"{status} {n}" for status, n in sorted(summary.counts.items())))
    return summary


@task(name="publish-kpi-report", cache_policy=NO_CACHE)
def publish_kpi_report(warehouse: str, as_of: date) -> str:
    """The static KPI report beside the warehouse, linked from the run (aggregates and ids only)."""
    path = write_kpi_report(warehouse, as_of)
    create_link_artifact(key="kpi-report", link=path.as_uri(), link_text="KPI report",
                         description=f"Applications, hires, channel mix, talent pool and job matches as of {as_of}")
    get_run_logger().info("KPI report written to %s", path)
    return str(path)


@flow(name="build-warehouse")
def build_warehouse(warehouse: str, as_of: date) -> BuildSummary:
    """Gate the landed raw data, build every dbt model and test, gate staging and the marts, then write
    the KPI report."""
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
