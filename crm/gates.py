"""The quality gate: Great Expectations checkpoints over DataFrames read from the warehouse.

GX's SQL data source cannot validate DuckDB tables, so each suite's query runs in DuckDB (aggregating
there where the check allows) and GX validates the resulting DataFrame through a pandas data source.

The GX context is a setting: `file` (the default, what production runs) keeps the project under
`expectations/gx/` and rebuilds the Data Docs after every checkpoint; `ephemeral` keeps everything in
memory and builds no Data Docs (fast: what the tests use, all but one). `CRM_GX_CONTEXT` chooses it for a
process, `run_gate(context_mode=...)` for one call.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from crm.warehouse import connect
from expectations.suites import BLOCKING, GateSuite, suites_for

# the GX project root; CRM_GX_ROOT moves it (tests use a temporary one)
GX_ROOT = Path(os.environ.get("CRM_GX_ROOT") or Path(__file__).resolve().parent.parent / "expectations")
CONTEXT_MODES = ("file", "ephemeral")
log = logging.getLogger(__name__)


def context_mode_setting() -> str:
    mode = os.environ.get("CRM_GX_CONTEXT") or "file"
    if mode not in CONTEXT_MODES:
        raise ValueError(f"CRM_GX_CONTEXT={mode!r} is not one of {', '.join(CONTEXT_MODES)}")
    return mode


@dataclass
class ExpectationOutcome:
    suite: str
    expectation: str
    column: str
    severity: str
    success: bool
    observed: str
    rule: str = ""  # what the expectation asks, in words (its Data Docs text)


@dataclass
class GateReport:
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    rows_checked: dict[str, int] = field(default_factory=dict)
    data_docs: str | None = None

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == BLOCKING]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity != BLOCKING]

    def markdown(self, stage: str) -> str:
        """Every expectation with its severity and what was observed: blocking failures first, then warnings."""
        lines = [
            f"### Quality gate: {stage}",
            "",
            "| suite | rows | passed | BLOCKING failed | warnings |",
            "|---|---:|---:|---:|---:|",
        ]
        for suite, rows in self.rows_checked.items():
            outcomes = [o for o in self.outcomes if o.suite == suite]
            blocking = sum(1 for o in outcomes if not o.success and o.severity == BLOCKING)
            warned = sum(1 for o in outcomes if not o.success and o.severity != BLOCKING)
            lines.append(
                f"| {suite} | {rows:,} | {sum(o.success for o in outcomes)}/{len(outcomes)} | {blocking} | {warned} |"
            )
        lines += ["", "| result | severity | suite | column | rule | observed |", "|---|---|---|---|---|---|"]
        order = sorted(self.outcomes, key=lambda o: (o.success, o.severity != BLOCKING))
        for o in order:
            result = "passed" if o.success else ("**FAILED**" if o.severity == BLOCKING else "warned")
            severity = "BLOCKING" if o.severity == BLOCKING else "warning"
            lines.append(f"| {result} | {severity} | {o.suite} | {o.column} | {_cell(o.rule)} | {_cell(o.observed)} |")
        return "\n".join(lines)

    def failure_message(self) -> str:
        lines = [
            f"quality gate failed: suite {o.suite}, expectation {o.expectation}"
            f"{' on ' + o.column if o.column else ''}: {o.observed}" + (f" (rule: {o.rule})" if o.rule else "")
            for o in self.blocking_failures
        ]
        return "\n".join(lines) + "\nNothing was sent. Fix the input named above (see docs/runbook.md) and run again."


class GateFailed(RuntimeError):
    """A blocking expectation failed. The message names the suite, the expectation and the observed value."""

    def __init__(self, message: str, report: GateReport | None = None):
        super().__init__(message)
        self.report = report


def _context(mode: str, root: Path):
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    if mode == "ephemeral":
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        return context
    context = gx.get_context(mode="file", project_root_dir=str(root))
    bars = context.variables.progress_bars
    globally = bars.get("globally") if isinstance(bars, dict) else getattr(bars, "globally", None)
    if globally is not False:
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        context.variables.save()
    return context


def _checkpoint(context, suite_def: GateSuite, data_docs: bool):
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
    severities = {e.meta.get("severity") for e in suite_def.expectations()}
    suite = context.suites.add_or_update(
        gx.ExpectationSuite(
            name=suite_def.name,
            expectations=suite_def.expectations(),
            meta={
                "description": suite_def.description,
                "stage": suite_def.stage,
                "notes": {
                    "format": "markdown",
                    "content": [
                        f"**{suite_def.stage} gate.** {suite_def.description} "
                        + ("Holds BLOCKING expectations: a failure stops the run. " if BLOCKING in severities else "")
                        + ("Warnings are reported, not blocking." if severities - {BLOCKING} else "")
                    ],
                },
            },
        )
    )
    validation = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(data=batch, suite=suite, name=suite_def.name)
    )
    result_format = {"result_format": "SUMMARY"}
    if suite_def.index_columns:
        result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": list(suite_def.index_columns)}
    return context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=f"gate_{suite_def.name}",
            validation_definitions=[validation],
            actions=[UpdateDataDocsAction(name="update_data_docs")] if data_docs else [],
            result_format=result_format,
        )
    )


def _observed(result, column: str, suite_def: GateSuite, frame) -> str:
    """What the expectation saw, in words: the rows it stopped (named by their ids, never a personal value),
    the observed count or share, or the values of a per-row measure."""
    details = result.result or {}
    index_list = details.get("unexpected_index_list") or []
    names = suite_def.index_columns
    if names and index_list and isinstance(index_list[0], dict):
        named = ", ".join(" ".join(str(row.get(n)) for n in names) + _shown(row.get(column)) for row in index_list[:20])
        more = f" (and {len(index_list) - 20:,} more)" if len(index_list) > 20 else ""
        return f"{len(index_list):,} of {len(frame):,} rows stopped, {' '.join(names)}: {named}{more}"
    if "observed_value" in details:
        return f"observed {_value(details['observed_value'])}"
    if "unexpected_count" in details and details.get("element_count") is not None:
        text = f"{details['unexpected_count']:,} of {details['element_count']:,} rows unexpected"
        if names and column in frame and frame[column].dtype.kind == "f":
            # a per-row measure (a ratio per stream): show it for every row, or that it was not judged
            values = [
                f"{' '.join(str(row[n]) for n in names)} {_value(row[column])}"
                for _, row in frame.head(20).iterrows()
                if not _missing(row[column])
            ]
            text += f"; observed {', '.join(values)}" if values else "; not judged (too few earlier runs)"
        elif column in frame and frame[column].dtype.kind == "f" and frame[column].isna().all():
            text += "; not judged (too few earlier runs)"
        elif column in frame and frame[column].dtype.kind == "f":
            text += f"; observed {', '.join(_value(v) for v in frame[column].head(5))}"
        return text
    if result.exception_info and result.exception_info.get("raised_exception"):
        return f"could not be evaluated: {result.exception_info.get('exception_message')}"
    return "failed"


def _files_now(frame, column: str) -> str:
    """The landed files holding the failing records, named where they are now (landing moves each loaded
    file to <landing>/_archive/<source>/<load id>/)."""
    from connectors.common.landing import where_landed_file_is
    from expectations.suites import FILES_SUFFIX

    held = frame[column + FILES_SUFFIX].iloc[0] if column + FILES_SUFFIX in frame else None
    if held is None or isinstance(held, float) or len(held) == 0:
        return ""
    places = sorted(str((where_landed_file_is(file, load_id) or [file])[0]) for file, load_id in held)
    more = f" and {len(places) - 5:,} more" if len(places) > 5 else ""
    return f" In {len(places):,} file(s): {', '.join(places[:5])}{more}"


def _shown(value) -> str:
    """A failing row's value beside its id, unless it is only the rule's true/false."""
    return "" if value is None or type(value).__name__ in ("bool", "bool_") else f" {_value(value)}"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _value(value) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def run_gate(
    warehouse: str | Path,
    stage: str,
    params: dict | None = None,
    gx_root: Path | None = None,
    context_mode: str | None = None,
) -> GateReport:
    """Validate every suite of a stage (raw, nurture, rejections, referrals). Never raises on a failed
    expectation. context_mode: 'file' (Data Docs) or 'ephemeral' (none); CRM_GX_CONTEXT when not given."""
    mode = context_mode or context_mode_setting()
    if mode not in CONTEXT_MODES:
        raise ValueError(f"context_mode {mode!r} is not one of {', '.join(CONTEXT_MODES)}")
    chosen = suites_for(stage)
    frames = {}
    with connect(warehouse, read_only=True) as con:
        for suite_def in chosen:
            frames[suite_def.name] = con.sql(suite_def.query.format(**(params or {}))).df()
    root = gx_root or GX_ROOT
    context = _context(mode, root)
    report = GateReport()
    for suite_def in chosen:
        frame = frames[suite_def.name]
        report.rows_checked[suite_def.name] = len(frame)
        result = _checkpoint(context, suite_def, data_docs=mode == "file").run(batch_parameters={"dataframe": frame})
        for validation in result.run_results.values():
            for expectation in validation.results:
                config = expectation.expectation_config
                kwargs = config.kwargs or {}
                column = kwargs.get("column") or ", ".join(kwargs.get("column_list") or [])
                meta = config.meta or {}
                observed = _observed(expectation, column, suite_def, frame)
                if meta.get("check") == "required_key" and not expectation.success:
                    observed = (
                        f"required field {column} is missing in {int(frame[column].iloc[0]):,} of "
                        f"{int(frame['records'].iloc[0]):,} records: was it renamed in the export?"
                        + _files_now(frame, column)
                    )
                report.outcomes.append(
                    ExpectationOutcome(
                        suite=suite_def.name,
                        expectation=config.type,
                        column=column,
                        severity=meta.get("severity", BLOCKING),
                        success=bool(expectation.success),
                        observed=observed,
                        rule=config.description or "",
                    )
                )
    docs = root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    report.data_docs = str(docs) if mode == "file" and docs.exists() else None
    return report
