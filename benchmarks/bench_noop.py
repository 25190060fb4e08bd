"""Benchmark: a `make run` with nothing new (issue 19: at most 20 s on 2 cores, Python start-up included).

    python -m benchmarks.bench_noop [--people 3000] [--repeat 3]

Generates the demo into a temporary folder (or reuses `--work` from an earlier run), runs the pipeline once (the real run: landing, build, gates,
sends into the outbox), then times `python -m flows.pipeline` again on the same landing folder and warehouse,
as `make run` calls it, `--repeat` times: each is a new process, so Python's and the libraries' start-up
count. Also times one forced rerun (`--force`: the whole flow with nothing new to land, what the fast path
saves). Prints the machine, each wall time and the median.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_demo import machine


def _pipeline(landing: Path, warehouse: Path, *extra: str) -> tuple[float, str]:
    env = {**os.environ, "CRM_LANDING_STABLE_SECONDS": "0"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "flows.pipeline", "--landing", str(landing), "--warehouse", str(warehouse), *extra],
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the pipeline failed (exit {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=None, help="default: a new temporary folder")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-noop-"))
    landing, warehouse = work / "landing", work / "warehouse.duckdb"
    print(f"machine: {machine()}")
    if warehouse.exists():  # a --work folder from an earlier benchmark: its first run is done
        print(f"  reusing {work} (its first run is done)")
    else:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "connectors.demo",
                "--people",
                str(args.people),
                "--seed",
                "42",
                "--out",
                str(landing),
            ],
            check=True,
            capture_output=True,
        )
        first, _ = _pipeline(landing, warehouse)
        print(f"  first run ({args.people:,} people, everything new): {first:6.1f} s", flush=True)
    times = []
    for attempt in range(args.repeat):
        seconds, out = _pipeline(landing, warehouse)
        if "Nothing new since" not in out:
            raise SystemExit(f"run {attempt + 2} did not take the no-op path:\n{out[-2000:]}")
        times.append(seconds)
        print(f"  run with nothing new #{attempt + 1}: {seconds:6.1f} s", flush=True)
    forced, _ = _pipeline(landing, warehouse, "--force")
    print(f"  forced rerun (--force, nothing new to land): {forced:6.1f} s")
    print(f"no-op run: median {statistics.median(times):.1f} s over {len(times)} (target 20 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
