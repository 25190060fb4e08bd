"""The gate as a Prefect task: validate a stage, record the results, publish them, stop on blocking failures."""

from __future__ import annotations

from datetime import UTC, date, datetime

from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Failed, State

from crm.gates import GateFailed, GateReport, run_gate
from crm.site import site_url
from crm.warehouse import connect
from expectations.suites import AFTER_PASS


def _record(warehouse: str, stage: str, report: GateReport, started: datetime) -> None:
    checked = datetime.now(UTC).replace(tzinfo=None)
    run_id = str(flow_run.get_id() or "") or None
    with connect(warehouse) as con:
        con.executemany(
            "INSERT INTO audit.gate_results VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (run_id, checked, o.suite, o.expectation, o.column, o.severity, o.success, o.observed)
                for o in report.outcomes
            ],
        )
        if not report.blocking_failures and stage in AFTER_PASS:
            con.execute(AFTER_PASS[stage], [checked, started])


def failed_with(state: State) -> State:
    """A Failed state for a flow that carries the failed step's message and exception unchanged.

    Expected failures (a gate said no, a dbt test failed) end as Failed states rather than raised
    exceptions, so the operator reads one message instead of three tracebacks."""
    return Failed(message=state.message, data=state.result(raise_on_failure=False))


@task(name="validate-gate", cache_policy=NO_CACHE)
def validate_gate(warehouse: str, stage: str, as_of: date, cap_days: int = 14) -> GateReport:
    """Run every suite of `stage`; the task ends Failed (the message names the suite, the expectation and the
    observed value) on a blocking failure."""
    logger = get_run_logger()
    started = datetime.now(UTC).replace(tzinfo=None)
    report = run_gate(warehouse, stage, {"as_of": as_of.isoformat(), "cap_days": cap_days})
    _record(warehouse, stage, report, started)
    create_markdown_artifact(
        key=f"quality-gate-{stage}",
        markdown=report.markdown(stage),
        description=f"Great Expectations results for the {stage} stage: every expectation, BLOCKING or warning, "
        "with what it observed",
    )
    if report.data_docs:
        create_link_artifact(
            key="data-docs",
            link=site_url("data-docs/index.html"),
            link_text="Great Expectations Data Docs",
            description=f"Data Docs, rebuilt by every gate (served by `make site`; the file: {report.data_docs})",
        )
    for warning in report.warnings:
        logger.warning(
            "gate warning: suite %s, %s on %s: %s", warning.suite, warning.expectation, warning.column, warning.observed
        )
    if report.blocking_failures:
        message = report.failure_message()
        logger.error(message)
        return Failed(message=message, data=GateFailed(message, report))
    logger.info("gate %s passed: %s", stage, ", ".join(f"{k} ({v:,} rows)" for k, v in report.rows_checked.items()))
    return report
