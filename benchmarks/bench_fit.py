"""Benchmark: the fit score for every (talent-pool person, open job) pair on the warehouse of 1,000,000
candidate source records.

    python -m benchmarks.bench_fit --warehouse PATH [--runs 3]

PATH is a warehouse built from the 1M demo set (`python -m benchmarks.bench_gates --landing DIR --warehouse
PATH` lands and builds it). Each run is `dbt run -s candidate_job_fit job_matches`, in a child process so
its peak memory is its own; reported: the two models' times (dbt's own timing), the wall time and the
child's peak RSS, and the number of pairs scored. Target (issue 5): every pair scored at 1M in under 30 s
and 4 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.bench_demo import machine
from crm.warehouse import connect

AS_OF = "2026-11-25"
PROJECT = Path(__file__).resolve().parent.parent / "dbt_project"


def one_run(warehouse: Path) -> dict:
    started = time.perf_counter()
    subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "run",
            "--select",
            "candidate_job_fit",
            "job_matches",
            "--project-dir",
            str(PROJECT),
            "--profiles-dir",
            str(PROJECT),
            "--vars",
            json.dumps({"as_of_date": AS_OF}),
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "DUCKDB_PATH": str(warehouse.resolve())},
    )
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far (runs are alike)
    timings = {
        r["unique_id"].split(".")[-1]: r["execution_time"]
        for r in json.loads((PROJECT / "target" / "run_results.json").read_text())["results"]
    }
    return {"wall": wall, "peak_mib": peak / 1024, **timings}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    runs = [one_run(args.warehouse) for _ in range(args.runs)]
    with connect(args.warehouse, read_only=True) as con:
        pairs, people, jobs = con.execute(
            "select count(*), count(distinct candidate_id), count(distinct job_id) from marts.candidate_job_fit"
        ).fetchone()
        sources = con.execute("select count(*) from marts.candidate_crosswalk").fetchone()[0]
    print(
        f"warehouse: {sources:,} candidate source records; {people:,} pool people x {jobs} open jobs = {pairs:,} pairs"
    )
    for number, run in enumerate(runs, start=1):
        print(
            f"run {number}: candidate_job_fit {run['candidate_job_fit']:.1f} s, job_matches {run['job_matches']:.1f} s, "
            f"dbt run wall {run['wall']:.1f} s, peak RSS {run['peak_mib']:,.0f} MiB"
        )
    best = min(runs, key=lambda r: r["candidate_job_fit"])
    print(
        f"best: {best['candidate_job_fit']:.1f} s for {pairs:,} pairs "
        f"({pairs / best['candidate_job_fit'] / 1e6:.2f} M pairs/s); target under 30 s and 4 GB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
