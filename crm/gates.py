"""The quality gate: Great Expectations checkpoints over DataFrames read from the warehouse.

GX's SQL data source cannot validate DuckDB tables, so each suite's query runs in DuckDB (aggregating
there where the check allows) and GX validates the resulting DataFrame through a pandas data source.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from crm.warehouse import connect
from expectations.suites import GateSuite, suites_for

# the GX project root; CRM_GX_ROOT moves it (tests use a temporary one)
GX_ROOT = Path(os.environ.get("CRM_GX_ROOT") or Path(__file__).resolve().parent.parent / "expectations")
log = logging.getLogger(__name__)


@dataclass
class ExpectationOutcome:
    suite: str
    expectation: str
    column: str
    severity: str
    success: bool
    observed: str


@dataclass
class GateReport:
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    rows_checked: dict[str, int] = field(default_factory=dict)
    data_docs: str | None = None

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "blocking"]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity != "blocking"]

    def markdown(self, stage: str) -> str:
        lines = [
            f"### Quality gate: {stage}",
            "",
            "| suite | rows | passed | blocking failed | warnings |",
            "|---|---:|---:|---:|---:|",
        ]
        for suite, rows in self.rows_checked.items():
            outcomes = [o for o in self.outcomes if o.suite == suite]
            blocking = sum(1 for o in outcomes if not o.success and o.severity == "blocking")
            warned = sum(1 for o in outcomes if not o.success and o.severity != "blocking")
            lines.append(
                f"| {suite} | {rows:,} | {sum(o.success for o in outcomes)}/{len(outcomes)} | {blocking} | {warned} |"
            )
        problems = [o for o in self.outcomes if not o.success]
        if problems:
            lines += ["", "| suite | expectation | column | severity | observed |", "|---|---|---|---|---|"]
            lines += [f"| {o.suite} | {o.expectation} | {o.column} | {o.severity} | {o.observed} |" for o in problems]
        return "\n".join(lines)

    def failure_message(self) -> str:
        lines = [
            f"quality gate failed: suite {o.suite}, expectation {o.expectation}"
            f"{' on ' + o.column if o.column else ''}: {o.observed}"
            for o in self.blocking_failures
        ]
        return "\n".join(lines) + "\nNothing was sent. Fix the input named above (see docs/runbook.md) and run again."


class GateFailed(RuntimeError):
    """A blocking expectation failed. The message names the suite, the expectation and the observed value."""

    def __init__(self, message: str, report: GateReport | None = None):
        super().__init__(message)
        self.report = report


def _context(root: Path):
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="file", project_root_dir=str(root))
    bars = context.variables.progress_bars
    globally = bars.get("globally") if isinstance(bars, dict) else getattr(bars, "globally", None)
    if globally is not False:
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        context.variables.save()
    return context


def _checkpoint(context, suite_def: GateSuite):
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction

    source = context.data_sources.add_or_update_pandas(name="warehouse")
    try:
        asset = source.get_asset(suite_def.name)
    except LookupError:
        asset = source.add_dataframe_asset(name=suite_def.name)
    try:
        batch = asset.get_batch_definition(suite_def.name)
    except (KeyError, LookupError):
        batch = asset.add_batch_definition_whole_dataframe(suite_def.name)
    suite = context.suites.add_or_update(
        gx.ExpectationSuite(
            name=suite_def.name,
            expectations=suite_def.expectations(),
            meta={"description": suite_def.description, "stage": suite_def.stage},
        )
    )
    validation = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(data=batch, suite=suite, name=suite_def.name)
    )
    result_format = {"result_format": "SUMMARY"}
    if suite_def.index_column:
        result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": [suite_def.index_column]}
    return context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=f"gate_{suite_def.name}",
            validation_definitions=[validation],
            actions=[UpdateDataDocsAction(name="update_data_docs")],
            result_format=result_format,
        )
    )


def _observed(result, column: str, index_column: str | None) -> str:
    details = result.result or {}
    index_list = details.get("unexpected_index_list") or []
    if index_column and index_list and isinstance(index_list[0], dict):
        named = ", ".join(f"{row.get(index_column)} {_value(row.get(column))}" for row in index_list[:10])
        return f"{len(index_list)} {index_column}(s) outside the limit: {named}"
    if "unexpected_count" in details and details.get("element_count") is not None:
        sample = details.get("partial_unexpected_list") or []
        personal = any(isinstance(s, str) and ("@" in s or s.startswith("+")) for s in sample)
        sample_text = f"; e.g. {[_value(v) for v in sample[:3]]}" if sample and not personal else ""
        return f"{details['unexpected_count']:,} of {details['element_count']:,} rows unexpected{sample_text}"
    if "observed_value" in details:
        return f"observed {_value(details['observed_value'])}"
    if result.exception_info and result.exception_info.get("raised_exception"):
        return f"could not be evaluated: {result.exception_info.get('exception_message')}"
    return "failed"


def _value(value) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def run_gate(warehouse: str | Path, stage: str, params: dict | None = None, gx_root: Path | None = None) -> GateReport:
    """Validate every suite of a stage (raw, staging, marts, nurture). Never raises on a failed expectation."""
    chosen = suites_for(stage)
    frames = {}
    with connect(warehouse, read_only=True) as con:
        for suite_def in chosen:
            frames[suite_def.name] = con.sql(suite_def.query.format(**(params or {}))).df()
    root = gx_root or GX_ROOT
    context = _context(root)
    report = GateReport()
    for suite_def in chosen:
        frame = frames[suite_def.name]
        report.rows_checked[suite_def.name] = len(frame)
        result = _checkpoint(context, suite_def).run(batch_parameters={"dataframe": frame})
        for validation in result.run_results.values():
            for expectation in validation.results:
                config = expectation.expectation_config
                kwargs = config.kwargs or {}
                column = kwargs.get("column") or ", ".join(kwargs.get("column_list") or [])
                meta = config.meta or {}
                observed = _observed(expectation, column, suite_def.index_column)
                if meta.get("check") == "required_key" and not expectation.success:
                    observed = (
                        f"required field {column} is missing in {int(frame[column].iloc[0]):,} of "
                        f"{int(frame['records'].iloc[0]):,} records: was it renamed in the export?"
                    )
                report.outcomes.append(
                    ExpectationOutcome(
                        suite=suite_def.name,
                        expectation=config.type,
                        column=column,
                        severity=meta.get("severity", "blocking"),
                        success=bool(expectation.success),
                        observed=observed,
                    )
                )
    docs = root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    report.data_docs = str(docs) if docs.exists() else None
    return report
