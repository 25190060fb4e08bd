"""The quality gate: Great Expectations checkpoints over DataFrames read from the warehouse.

GX's SQL data source cannot validate DuckDB tables, so each suite's query runs in DuckDB (aggregating
there where the check allows) and GX validates the resulting DataFrame through a pandas data source.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from connectors.common.warehouse import connect
from expectations.suites import SUITES, GateSuite

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
        gx.ExpectationSuite(name=suite_def.name, expectations=suite_def.expectations(),
                            meta={"description": suite_def.description}))
    validation = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(data=batch, suite=suite, name=suite_def.name))
    return context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=f"gate_{suite_def.name}",
            validation_definitions=[validation],
            actions=[UpdateDataDocsAction(name="update_data_docs")],
            result_format={"result_format": "SUMMARY"},
        )
    )


def _observed(result) -> str:
    details = result.result or {}
    if "unexpected_count" in details and details.get("element_count") is not None:
        sample = details.get("partial_unexpected_list") or []
        sample_text = f"; e.g. {sample[:3]}" if sample and not any(isinstance(s, str) and "@" in s for s in sample) else ""
        return f"{details['unexpected_count']:,} of {details['element_count']:,} rows unexpected{sample_text}"
    if "observed_value" in details:
        return f"observed {details['observed_value']}"
    if result.exception_info and result.exception_info.get("raised_exception"):
        return f"could not be evaluated: {result.exception_info.get('exception_message')}"
    return "failed"


def run_gate(warehouse: str | Path, suite_names: list[str] | None = None, gx_root: Path = GX_ROOT) -> GateReport:
    """Validate the named suites (all by default). Returns the report; never raises on a failed expectation."""
    chosen = [s for s in SUITES if suite_names is None or s.name in suite_names]
    frames = {}
    with connect(warehouse, read_only=True) as con:
        for suite_def in chosen:
            frames[suite_def.name] = con.sql(suite_def.query).df()
    context = _context(gx_root)
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
                observed = _observed(expectation)
                if meta.get("check") == "required_key" and not expectation.success:
                    observed = f"required field {column} is missing ({observed}): was it renamed in the export?"
                report.outcomes.append(ExpectationOutcome(
                    suite=suite_def.name,
                    expectation=config.type,
                    column=column,
                    severity=meta.get("severity", "blocking"),
                    success=bool(expectation.success),
                    observed=observed,
                ))
    docs = gx_root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    report.data_docs = str(docs) if docs.exists() else None
    return report
