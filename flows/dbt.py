"""Running dbt from a flow: in-process `dbt build` with the warehouse path and run date passed in.

dbt's programmatic runner never raises on model or test failures: the result says. This module turns a
failed build into one exception whose message names the failing nodes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from connectors.common.warehouse import resolve

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"


@dataclass
class DbtSummary:
    command: str
    success: bool
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0


class DbtFailed(RuntimeError):
    pass


def dbt_args(command: list[str], as_of: date, extra_vars: dict | None = None) -> list[str]:
    return [
        *command,
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--vars", json.dumps({"as_of_date": as_of.isoformat(), **(extra_vars or {})}),
        "--quiet",
    ]


def run_dbt(command: list[str], warehouse: str | Path, as_of: date, extra_vars: dict | None = None) -> DbtSummary:
    from dbt.cli.main import dbtRunner

    os.environ["DUCKDB_PATH"] = str(resolve(warehouse))
    result = dbtRunner().invoke(dbt_args(command, as_of, extra_vars))
    summary = DbtSummary(command=" ".join(command), success=bool(result.success))
    if result.exception is not None:
        raise DbtFailed(f"dbt {summary.command} could not run: {result.exception}")
    for node in getattr(result.result, "results", None) or []:
        status = str(node.status)
        summary.counts[status] = summary.counts.get(status, 0) + 1
        summary.elapsed_s += node.execution_time or 0.0
        if status in ("error", "fail"):
            message = (node.message or "").strip().splitlines()
            summary.failures.append(f"{node.node.resource_type} {node.node.name}: {message[0] if message else status}")
    if not summary.success:
        listed = "\n  ".join(summary.failures[:20]) or "see dbt_project/logs/dbt.log"
        raise DbtFailed(f"dbt {summary.command} failed:\n  {listed}\nFix the model or the data, then retry the run "
                        "(completed loads are not redone).")
    return summary
