"""build-warehouse: raw gate, dbt build (models, tests, unit tests), staging and mart gates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from connectors.sinks.sendgrid.settings import NurtureSettings
from flows.dbt import DbtSummary, run_dbt
from flows.gates import GateReport
from flows.quality import validate_gate


@dataclass
class BuildSummary:
    dbt: DbtSummary | None = None
    gates: list[GateReport] = field(default_factory=list)


@task(name="dbt-build", cache_policy=NO_CACHE)
def dbt_build(warehouse: str, as_of: date) -> DbtSummary:
    logger = get_run_logger()
    summary = run_dbt(["build"], warehouse, as_of,
                      {"nurture_frequency_cap_days": NurtureSettings().frequency_cap_days})
    logger.info("dbt build: %s", ", ".join(f"{status} {n}" for status, n in sorted(summary.counts.items())))
    return summary


@flow(name="build-warehouse")
def build_warehouse(warehouse: str, as_of: date) -> BuildSummary:
    """Gate the landed raw data, build every dbt model and test, then gate staging and the marts."""
    summary = BuildSummary()
    summary.gates.append(validate_gate(warehouse, "raw", as_of))
    summary.dbt = dbt_build(warehouse, as_of)
    summary.gates.append(validate_gate(warehouse, "staging", as_of))
    summary.gates.append(validate_gate(warehouse, "marts", as_of))
    return summary
