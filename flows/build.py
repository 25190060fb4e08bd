"""build-warehouse: raw gate, dbt build (models, tests, unit tests), mart gates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.dbt import DbtSummary, run_dbt
from flows.gates import GateFailed, GateReport, run_gate

RAW_SUITES = ["raw_greenhouse_candidates"]
MART_SUITES = ["marts_candidates", "marts_candidate_crosswalk", "marts_nurture_audience"]


@dataclass
class BuildSummary:
    dbt: DbtSummary | None = None
    gates: list[GateReport] = field(default_factory=list)


@task(name="validate-gate", cache_policy=NO_CACHE)
def validate_gate(warehouse: str, suites: list[str]) -> GateReport:
    logger = get_run_logger()
    report = run_gate(warehouse, suites)
    for warning in report.warnings:
        logger.warning("gate warning: suite %s, %s on %s: %s", warning.suite, warning.expectation, warning.column,
                       warning.observed)
    if report.blocking_failures:
        raise GateFailed(report.failure_message(), report)
    logger.info("gate passed: %s (%s rows checked)", ", ".join(suites),
                ", ".join(f"{k} {v:,}" for k, v in report.rows_checked.items()))
    return report


@task(name="dbt-build", cache_policy=NO_CACHE)
def dbt_build(warehouse: str, as_of: date) -> DbtSummary:
    logger = get_run_logger()
    summary = run_dbt(["build"], warehouse, as_of)
    logger.info("dbt build: %s", ", ".join(f"{status} {n}" for status, n in sorted(summary.counts.items())))
    return summary


@flow(name="build-warehouse")
def build_warehouse(warehouse: str, as_of: date) -> BuildSummary:
    """Gate the landed raw data, build every dbt model and test, then gate the marts."""
    summary = BuildSummary()
    summary.gates.append(validate_gate(warehouse, RAW_SUITES))
    summary.dbt = dbt_build(warehouse, as_of)
    summary.gates.append(validate_gate(warehouse, MART_SUITES))
    return summary
