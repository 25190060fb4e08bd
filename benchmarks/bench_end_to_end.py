"""Benchmark: the whole pipeline end to end, as `make run` calls it (issue 20): a full run, an hourly run that
lands about 1% new records, and a run with nothing new, each with a per-stage table.

    python -m benchmarks.bench_end_to_end [--people 65100] [--work DIR] [--increment 0.01]

65,100 people make about 100,000 candidate source records; 651,000 about 1,000,000 (benchmarks/bench_demo.py).
Steps, each `python -m flows.pipeline` in a new process with its own Prefect home (a temporary local server,
as `make run` has on a fresh machine):

1. full: the demo (generated beforehand, not timed) lands into a new warehouse and everything runs;
2. incremental: a second demo of `--increment` × people with another seed is copied into the landing folder
   under new file names (its ids may coincide with existing ones: those records land as new versions) and
   the pipeline runs again;
3. no-op: nothing new.

For each: wall time, peak resident memory of the pipeline process tree (sampled every 0.2 s), the Prefect task
runs' durations (read from the run's Prefect database), landing per stream (audit.loads) and every dbt node
above 1 s (run_results.json). Prints the machine and the load average, so figures from a shared machine can be
read for what they are.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psutil

from benchmarks.bench_demo import machine

INCREMENT_SEED = 4242
NOT_COPIED = {"truth.csv"}  # the demo's answer key
NOT_COPIED_DIRS = {"jobs"}  # the second demo's job postings are the same catalogue


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for proc in [process, *process.children(recursive=True)]:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            pass
    return total


def _pipeline(landing: Path, warehouse: Path, prefect_home: Path) -> dict:
    env = {**os.environ, "CRM_LANDING_STABLE_SECONDS": "0", "PREFECT_HOME": str(prefect_home)}
    env.pop("PREFECT_API_URL", None)
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "flows.pipeline", "--landing", str(landing), "--warehouse", str(warehouse)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        process = psutil.Process(child.pid)
        while not done.is_set():
            peak = max(peak, _tree_rss(process))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = child.communicate()[0]
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if child.returncode != 0:
        raise SystemExit(f"the pipeline failed (exit {child.returncode}):\n{output[-4000:]}")
    return {"seconds": seconds, "peak_mib": peak / 2**20, "output": output}


def _task_runs(prefect_home: Path, since: float) -> list[tuple[str, float]]:
    """(task run name, seconds) of the task runs that started after `since` (epoch seconds), in start order."""
    database = prefect_home / "prefect.db"
    if not database.exists():
        return []
    with sqlite3.connect(database) as con:
        rows = con.execute(
            "select name, start_time, end_time from task_run where start_time is not null order by start_time"
        ).fetchall()
    runs = []
    for name, start, end in rows:
        start_s = _epoch(start)
        if start_s >= since - 1 and end:
            runs.append((name, _epoch(end) - start_s))
    return runs


def _epoch(value: str) -> float:
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _landing_by_stream(warehouse: Path, since: float) -> list[tuple[str, int, float]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            """select stream, sum(records_landed), sum(epoch(finished_at) - epoch(started_at))
               from audit.loads where epoch(started_at) >= ? group by stream order by 3 desc""",
            [since - 1],
        ).fetchall()
    return [(stream, int(landed or 0), float(seconds or 0)) for stream, landed, seconds in rows]


def _dbt_nodes(warehouse: Path, threshold_s: float = 1.0) -> list[tuple[str, float]]:
    results = warehouse.parent / "dbt" / warehouse.stem / "run_results.json"
    if not results.exists():
        return []
    data = json.loads(results.read_text())
    nodes = [(r["unique_id"], float(r.get("execution_time") or 0)) for r in data.get("results", [])]
    return sorted((n for n in nodes if n[1] >= threshold_s), key=lambda n: -n[1])


def _candidate_records(warehouse: Path) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select count(*) from marts.candidate_crosswalk").fetchone()[0]


def _report(step: str, result: dict, prefect_home: Path, warehouse: Path, since: float) -> None:
    load = os.getloadavg()
    print(f"\n### {step}: {result['seconds']:.1f} s, peak {result['peak_mib']:,.0f} MiB", flush=True)
    print(f"load average after: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    tasks = _task_runs(prefect_home, since)
    if tasks:
        print("\n| task run | s |\n|---|---:|")
        for name, seconds in tasks:
            if seconds >= 0.5:
                print(f"| {name} | {seconds:.1f} |")
    streams = _landing_by_stream(warehouse, since)
    if streams:
        print("\n| landing stream | rows | s |\n|---|---:|---:|")
        for stream, landed, seconds in streams:
            print(f"| {stream} | {landed:,} | {seconds:.1f} |")
    nodes = [] if "Nothing new since" in result["output"] else _dbt_nodes(warehouse)
    if nodes:
        print("\n| dbt node (≥ 1 s, last build) | s |\n|---|---:|")
        for node, seconds in nodes:
            print(f"| {node} | {seconds:.1f} |")
    if "Nothing new since" in result["output"]:
        print("\n(the no-op path: nothing new since the last completed run)")


def _generate(people: int, seed: int, out: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "connectors.demo", "--people", str(people), "--seed", str(seed), "--out", str(out)],
        check=True,
        capture_output=True,
    )


def _copy_increment(increment: Path, landing: Path, tag: str) -> int:
    copied = 0
    for path in sorted(increment.rglob("*")):
        relative = path.relative_to(increment)
        if not path.is_file() or path.name in NOT_COPIED or relative.parts[0] in NOT_COPIED_DIRS:
            continue
        target = landing / relative.parent / f"{path.stem}_{tag}{path.suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        copied += 1
    return copied


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=65100)
    parser.add_argument("--increment", type=float, default=0.01, help="share of people in the hourly increment")
    parser.add_argument("--work", type=Path, default=None, help="default: a new temporary folder")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-e2e-"))
    landing, warehouse, prefect_home = work / "landing", work / "warehouse.duckdb", work / "prefect"
    print(f"machine: {machine()}; {args.people:,} people; work folder {work}")
    if not landing.exists():
        started = time.perf_counter()
        _generate(args.people, 42, landing)
        print(f"demo generated in {time.perf_counter() - started:.1f} s (not part of the runs)")

    since = time.time()
    full = _pipeline(landing, warehouse, prefect_home)
    records = _candidate_records(warehouse)
    _report(f"full run ({records:,} candidate source records)", full, prefect_home, warehouse, since)

    increment_people = max(1, round(args.people * args.increment))
    increment = work / "increment"
    shutil.rmtree(increment, ignore_errors=True)
    _generate(increment_people, INCREMENT_SEED, increment)
    files = _copy_increment(increment, landing, "inc1")
    since = time.time()
    hourly = _pipeline(landing, warehouse, prefect_home)
    added = _candidate_records(warehouse) - records
    _report(
        f"incremental run ({increment_people:,} people in {files} new files, +{added:,} candidate source records)",
        hourly,
        prefect_home,
        warehouse,
        since,
    )

    since = time.time()
    noop = _pipeline(landing, warehouse, prefect_home)
    _report("run with nothing new", noop, prefect_home, warehouse, since)
    print(
        f"\nsummary: full {full['seconds']:.1f} s (peak {full['peak_mib']:,.0f} MiB), "
        f"incremental {hourly['seconds']:.1f} s, no-op {noop['seconds']:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
