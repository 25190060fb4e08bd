"""dbt in-process, one warehouse at a time, with no process-wide state.

- The warehouse path reaches the profile as a dbt var (`warehouse_path`), never through `os.environ`.
- Each warehouse has its own target folder beside it (`<dir>/dbt/<name>/`: run_results.json, the manifest,
  partial-parse state, dbt.log), so two warehouses never resume each other's builds.
- Every invocation gets the same vars (`dbt_vars`): the run date, the warehouse, and the settings dbt shares
  with the sinks. `make docs` goes through here too.
- The project is parsed once per process and database name, and the manifest reused by later invocations
  (dbt's `dbtRunner(manifest=...)`), so a flow that runs dbt several times parses once.
- dbt's runner never raises on a failed model or test: `run_dbt` turns a failure into one `DbtFailed` whose
  message names the failing nodes.

    python -m crm.dbt_runner --warehouse data/warehouse.duckdb docs generate
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from crm.warehouse import connect, resolve, utc_now

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"
PROJECT_PARTS = ("models", "macros", "seeds", "snapshots", "tests", "dbt_project.yml", "profiles.yml")
BUILD_STATE = "last_build.json"

# What a dbt build reads besides the project: the landed loads and the ledgers the mail batches exclude.
DATA_STATE_SQL = """
select (select count(*) || '/' || coalesce(cast(max(started_at) as varchar), '') from audit.loads where status = 'loaded'),
       (select count(*) || '/' || coalesce(cast(max(recorded_at) as varchar), '') from outbox.send_ledger),
       (select count(*) || '/' || coalesce(cast(max(recorded_at) as varchar), '') from outbox.provision_log),
       (select count(*) from outbox.relay_links)
"""

# dbt keeps global state: one invocation at a time per process (PITFALLS: never two at once)
_INVOKE_LOCK = threading.Lock()
_MANIFESTS: dict[tuple[str, str], object] = {}


@dataclass
class DbtSummary:
    command: str
    success: bool
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    invocation_id: str | None = None


class DbtFailed(RuntimeError):
    pass


def dbt_vars(warehouse: str | Path, as_of: date) -> dict:
    """The vars of every invocation: the run date, the warehouse file, and the settings the send steps
    share with the models (so the batch dbt builds is the batch the sinks expect)."""
    from connectors.sinks.career_relay.settings import CareerRelaySettings
    from outbound.settings import NurtureSettings

    return {
        "as_of_date": as_of.isoformat(),
        "warehouse_path": str(resolve(warehouse)),
        "nurture_frequency_cap_days": NurtureSettings().frequency_cap_days,
        "career_relay_company_id": CareerRelaySettings().company_id,
    }


def target_dir(warehouse: str | Path) -> Path:
    """dbt's artifacts and logs for one warehouse, beside it: data/warehouse.duckdb -> data/dbt/warehouse/."""
    path = resolve(warehouse)
    return path.parent / "dbt" / path.stem


def dbt_args(command: list[str], warehouse: str | Path, as_of: date) -> list[str]:
    target = target_dir(warehouse)
    return [
        *command,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target),
        "--log-path",
        str(target),
        "--vars",
        json.dumps(dbt_vars(warehouse, as_of)),
        "--quiet",
    ]


def project_fingerprint() -> str:
    digest = hashlib.sha256()
    for part in PROJECT_PARTS:
        root = DBT_PROJECT_DIR / part
        for path in sorted(root.rglob("*") if root.is_dir() else [root]):
            if path.is_file():
                digest.update(str(path.relative_to(DBT_PROJECT_DIR)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _manifest(warehouse: str | Path, as_of: date):
    """The parsed project for this warehouse's database name (dbt-duckdb names the database after the file),
    parsed on first use of that name in this process and whenever the project files change."""
    from dbt.cli.main import dbtRunner

    key = (resolve(warehouse).stem, project_fingerprint())
    if key not in _MANIFESTS:
        result = dbtRunner().invoke(dbt_args(["parse"], warehouse, as_of))
        if not result.success:
            raise DbtFailed(f"dbt could not parse the project: {result.exception}")
        for stale in [k for k in _MANIFESTS if k[1] != key[1]]:
            del _MANIFESTS[stale]  # an older parse of a changed project is never used again
        _MANIFESTS[key] = result.result  # kept beside other names' parses: alternating names parses once each
    return _MANIFESTS[key]


def _write_manifest(manifest, warehouse: str | Path) -> None:
    """manifest.json in this warehouse's target folder (dbt writes it only when it parses), for `dbt docs`
    and anyone reading the artifacts; rewritten when the project changed."""
    from dbt.parser.manifest import write_manifest

    target, fingerprint = target_dir(warehouse), project_fingerprint()
    stamp = target / "manifest.fingerprint"
    if not (target / "manifest.json").is_file() or not stamp.is_file() or stamp.read_text() != fingerprint:
        write_manifest(manifest, str(target))
        stamp.write_text(fingerprint)


def run_dbt(command: list[str], warehouse: str | Path, as_of: date) -> DbtSummary:
    from dbt.cli.main import dbtRunner

    from outbound.catalogue import check_catalogue

    if command[0] in ("build", "seed", "retry"):
        check_catalogue()  # the campaign catalogue HR edits: one message per bad line, before dbt loads it

    target_dir(warehouse).mkdir(parents=True, exist_ok=True)
    with connect(warehouse):  # wait here, with one clear message, if another run holds the file
        pass
    with _INVOKE_LOCK:
        manifest = _manifest(warehouse, as_of)
        _write_manifest(manifest, warehouse)
        result = dbtRunner(manifest=manifest).invoke(dbt_args(command, warehouse, as_of))
    summary = DbtSummary(command=" ".join(command), success=bool(result.success))
    if command[0] in ("build", "retry"):
        _record_build(warehouse, command, bool(result.success) and result.exception is None, result)
    if result.exception is not None:
        raise DbtFailed(f"dbt {summary.command} could not run: {result.exception}")
    metadata = getattr(result.result, "metadata", None)
    summary.invocation_id = getattr(metadata, "invocation_id", None)
    for node in getattr(result.result, "results", None) or []:
        status = str(node.status)
        summary.counts[status] = summary.counts.get(status, 0) + 1
        summary.elapsed_s += node.execution_time or 0.0
        if status in ("error", "fail"):
            message = (node.message or "").strip().splitlines()
            summary.failures.append(f"{node.node.resource_type} {node.node.name}: {message[0] if message else status}")
    if not summary.success:
        listed = "\n  ".join(summary.failures[:20]) or f"see {target_dir(warehouse) / 'dbt.log'}"
        raise DbtFailed(
            f"dbt {summary.command} failed:\n  {listed}\nFix the model or the data, then retry the run "
            "(completed loads are not redone)."
        )
    return summary


def _record_build(warehouse: str | Path, command: list[str], success: bool, result) -> None:
    selection = " ".join(command[command.index("--select") + 1 :]) if "--select" in command else "all"
    invocation = getattr(getattr(result.result, "metadata", None), "invocation_id", None)
    with connect(warehouse) as con:
        con.execute(
            "insert into audit.dbt_builds values (?, ?, ?, ?, ?)",
            [utc_now(), command[0], selection.split(" --exclude")[0], success, invocation],
        )


def last_build_covering(warehouse: str | Path, selections: tuple[str, ...]) -> datetime | None:
    """When the last successful build that rebuilt everything, or one of `selections`, finished."""
    with connect(warehouse, read_only=True) as con:
        return con.execute(
            f"""select max(finished_at) from audit.dbt_builds where success
                and (selection = 'all' or selection in ({", ".join("?" * len(selections))}))""",
            list(selections),
        ).fetchone()[0]


def data_fingerprint(warehouse: str | Path) -> str:
    with connect(warehouse, read_only=True) as con:
        return hashlib.sha256(repr(con.execute(DATA_STATE_SQL).fetchone()).encode()).hexdigest()[:16]


def _run_results_invocation(warehouse: str | Path) -> str | None:
    path = target_dir(warehouse) / "run_results.json"
    if not path.is_file():
        return None
    try:
        results = json.loads(path.read_text())
    except ValueError:
        return None
    args = results.get("args", {})
    if args.get("which") not in ("build", "retry"):
        return None
    return results.get("metadata", {}).get("invocation_id")


def next_dbt_command(warehouse: str | Path, as_of: date) -> tuple[list[str], dict]:
    """`dbt retry` only when this warehouse's last build failed *and finished* with the same inputs (nothing
    landed since, same vars and project), and the run_results.json beside the warehouse is that build's own
    (same invocation id). A build that was killed or overlapped by another never wrote its results, so it
    is rebuilt in full. Returns the command and the state to record for the next decision."""
    state = {
        "warehouse": str(resolve(warehouse)),
        "vars": dbt_vars(warehouse, as_of),
        "data": data_fingerprint(warehouse),
    }
    last = _read_build_state(target_dir(warehouse) / BUILD_STATE)
    retry = (
        last.get("outcome") == "failed"
        and {k: last.get(k) for k in state} == state
        and last.get("invocation_id") is not None
        and last.get("invocation_id") == _run_results_invocation(warehouse)
    )
    # unit tests check the SQL, not the data: they run in `make test` (tests/dbt), not in every production
    # build, as dbt recommends
    return (["retry"] if retry else ["build", "--exclude", "test_type:unit"]), state


def _read_build_state(path: Path) -> dict:
    """The last build's state; none (so a full build) when missing or cut short by a crash of an older version."""
    try:
        return json.loads(path.read_text()) if path.is_file() else {}
    except ValueError:
        return {}


def _write_build_state(path: Path, state: dict) -> None:
    """Whole or not at all: written beside the file, then renamed over it (a rename is atomic), so a process
    killed mid-write leaves the previous state, never half a file."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(state))
    os.replace(partial, path)


def build_or_retry(warehouse: str | Path, as_of: date) -> DbtSummary:
    """Build, or resume this warehouse's failed build with `dbt retry`: only the nodes that errored or were
    skipped run again, under the project as it is now (a fixed model or test). A data fix arrives as a new
    load, which changes the inputs, so it gets a full build. The state is written 'running' before dbt
    starts: if the process dies, the next run sees no finished failure and builds everything."""
    command, state = next_dbt_command(warehouse, as_of)
    path = target_dir(warehouse) / BUILD_STATE
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_build_state(path, {**state, "outcome": "running", "attempt": uuid.uuid4().hex})
    try:
        summary = run_dbt(command, warehouse, as_of)
    except DbtFailed:
        _write_build_state(path, {**state, "outcome": "failed", "invocation_id": _run_results_invocation(warehouse)})
        raise
    _write_build_state(path, {**state, "outcome": "succeeded", "invocation_id": summary.invocation_id})
    return summary


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m crm.dbt_runner",
        description="Run a dbt command against one warehouse with the vars and target folder the flows use.",
    )
    parser.add_argument("--warehouse", default="data/warehouse.duckdb")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None, help="run date (default: today in Tokyo)")
    parser.add_argument("command", nargs="+", help="e.g. docs generate")
    args = parser.parse_args(argv)
    from dbt.cli.main import dbtRunner

    as_of = args.as_of or _today_in_tokyo()
    target_dir(args.warehouse).mkdir(parents=True, exist_ok=True)
    result = dbtRunner().invoke(dbt_args(args.command, args.warehouse, as_of)[:-1])  # not --quiet: show progress
    return 0 if result.success else 1


def _today_in_tokyo() -> date:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Asia/Tokyo")).date()


if __name__ == "__main__":
    sys.exit(main())
