"""Running dbt from a flow: in-process `dbt build` with the warehouse path and run date passed in.

dbt's programmatic runner never raises on model or test failures: the result says. This module turns a
failed build into one exception whose message names the failing nodes.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from connectors.common.warehouse import connect, resolve

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"
PROJECT_PARTS = ("models", "macros", "seeds", "snapshots", "tests", "dbt_project.yml", "profiles.yml")
LAST_BUILD = DBT_PROJECT_DIR / "target" / "last_build.json"

# What a dbt build reads besides the project: the landed loads and the ledgers the mail batches exclude.
DATA_STATE_SQL = """
select (select count(*) || '/' || coalesce(cast(max(started_at) as varchar), '') from audit.loads where status = 'loaded'),
       (select count(*) || '/' || coalesce(cast(max(recorded_at) as varchar), '') from outbox.send_ledger),
       (select count(*) || '/' || coalesce(cast(max(recorded_at) as varchar), '') from outbox.provision_log),
       (select count(*) from outbox.relay_links)
"""


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
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--vars",
        json.dumps({"as_of_date": as_of.isoformat(), **(extra_vars or {})}),
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
        raise DbtFailed(
            f"dbt {summary.command} failed:\n  {listed}\nFix the model or the data, then retry the run "
            "(completed loads are not redone)."
        )
    return summary


def project_fingerprint() -> str:
    digest = hashlib.sha256()
    for part in PROJECT_PARTS:
        root = DBT_PROJECT_DIR / part
        for path in sorted(root.rglob("*") if root.is_dir() else [root]):
            if path.is_file():
                digest.update(str(path.relative_to(DBT_PROJECT_DIR)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def data_fingerprint(warehouse: str | Path) -> str:
    with connect(warehouse, read_only=True) as con:
        return hashlib.sha256(repr(con.execute(DATA_STATE_SQL).fetchone()).encode()).hexdigest()[:16]


def _last_run_was_build(as_of: date) -> bool:
    """dbt retry repeats whatever run_results.json holds: it must be that failed build, not a later command."""
    path = LAST_BUILD.parent / "run_results.json"
    if not path.is_file():
        return False
    args = json.loads(path.read_text()).get("args", {})
    return args.get("which") == "build" and (args.get("vars") or {}).get("as_of_date") == as_of.isoformat()


def next_dbt_command(warehouse: str | Path, as_of: date, extra_vars: dict | None = None) -> tuple[list[str], dict]:
    """`dbt retry` when the last build of this warehouse failed with the same inputs (nothing landed since,
    same vars), else `dbt build`; and the state to record for the next decision."""
    state = {
        "warehouse": str(resolve(warehouse)),
        "as_of": as_of.isoformat(),
        "vars": extra_vars or {},
        "data": data_fingerprint(warehouse),
    }
    last = json.loads(LAST_BUILD.read_text()) if LAST_BUILD.is_file() else {}
    retry = last.get("success") is False and {k: last.get(k) for k in state} == state and _last_run_was_build(as_of)
    # unit tests check the SQL, not the data: they run in `make test` (tests/dbt), not in every production
    # build, as dbt recommends
    return (["retry"] if retry else ["build", "--exclude", "test_type:unit"]), state


def build_or_retry(warehouse: str | Path, as_of: date, extra_vars: dict | None = None) -> DbtSummary:
    """Build, or resume a failed build with `dbt retry`: only the nodes that errored or were skipped run
    again, under the project as it is now (a fixed model or test). A data fix arrives as a new load, which
    changes the inputs, so it gets a full build."""
    command, state = next_dbt_command(warehouse, as_of, extra_vars)
    LAST_BUILD.parent.mkdir(parents=True, exist_ok=True)
    LAST_BUILD.write_text(json.dumps({**state, "success": False}))
    summary = run_dbt(command, warehouse, as_of, extra_vars)
    LAST_BUILD.write_text(json.dumps({**state, "success": True}))
    return summary
