"""The gate as a Prefect task: validate a stage, record the results, publish them, stop on blocking failures."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from connectors.common.warehouse import connect
from flows.gates import GateFailed, GateReport, run_gate


def _record(warehouse: str, report: GateReport) -> None:
    checked = datetime.now(timezone.utc).replace(tzinfo=None)
    run_id = str(flow_run.get_id() or "") or None
    with connect(warehouse) as con:
        con.executemany("INSERT INTO audit.gate_results VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [(run_id, checked, o.suite, o.expectation, o.column, o.severity, o.success, o.observed)
                         for o in report.outcomes])


@task(name="validate-gate", cache_policy=NO_CACHE)
def validate_gate(warehouse: str, stage: str, as_of: date, cap_days: int = 14) -> GateReport:
    """Run every suite of `stage`; fail the task (and so the flow) on a blocking failure."""
    logger = get_run_logger()
    report = run_gate(warehouse, stage, {"as_of": as_of.isoformat(), "cap_days": cap_days})
    _record(warehouse, report)
    create_markdown_artifact(key=f"quality-gate-{stage}", markdown=report.markdown(stage),
                             description=f"Great Expectations results for the {stage} stage")
    if report.data_docs:
        create_link_artifact(key="data-docs", link=Path(report.data_docs).as_uri(), link_text="Great Expectations Data Docs",
                             description="Data Docs, rebuilt by every gate")
    for warning in report.warnings:
        logger.warning("gate warning: suite %s, %s on %s: %s", warning.suite, warning.expectation, warning.column,
                       warning.observed)
    if report.blocking_failures:
        raise GateFailed(report.failure_message(), report)
    logger.info("gate %s passed: %s", stage, ", ".join(f"{k} ({v:,} rows)" for k, v in report.rows_checked.items()))
    return report
