"""Benchmark: landing every source of a demo data set into a fresh warehouse.

    python -m benchmarks.bench_landing --landing DIR [--warehouse PATH]

DIR is demo data (`python -m connectors.demo --people 651000 --seed 1 --out DIR` gives 1,000,000 candidate
records, plus applications and email events). Reports the time to check the landing folder (every file
under the source folders accounted for: `unlanded_files`, and the stability check the ingest flow makes),
wall time per stream and in total, records landed, and the peak resident memory of this process. Target
(issue 3, again after issue 16): 1,000,000 demo source records landed in under 60 s and under 2 GB.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_demo import machine
from connectors.common.landing import land_stream, wait_until_stable
from connectors.sources import CANDIDATE_RAW_TABLES, RAW_TABLES, all_streams, unlanded_files
from crm.warehouse import connect, ensure_schema


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--warehouse", type=Path, default=None, help="default: a new file in a temporary folder")
    args = parser.parse_args()
    warehouse = args.warehouse or Path(tempfile.mkdtemp(prefix="bench-landing-")) / "warehouse.duckdb"
    if warehouse.exists():
        parser.error(f"{warehouse} exists: the benchmark lands into a new warehouse")
    print(f"machine: {machine()}")
    started = time.perf_counter()
    total = candidates = 0
    candidate_seconds = 0.0
    streams = all_streams(args.landing)
    notices = unlanded_files(args.landing)
    # the flow's check, with the files' real ages (the demo is older than the window: no wait)
    waited = wait_until_stable([p for s in streams for p in s.files()], 60, sleep=lambda s: None)
    print(
        f"  {'check the landing folder':34} {len(notices):>10,} notices {time.perf_counter() - started:7.1f} s"
        f" (would wait {waited:.0f} s)",
        flush=True,
    )
    with connect(warehouse) as con:
        ensure_schema(con, RAW_TABLES)
        for stream in streams:
            t = time.perf_counter()
            landed = sum(r.records_landed for r in land_stream(con, stream))
            total += landed
            seconds = time.perf_counter() - t
            if stream.raw_table in CANDIDATE_RAW_TABLES:
                candidates += landed
                candidate_seconds += seconds
            print(f"  {stream.name:34} {landed:>10,} records {seconds:7.1f} s", flush=True)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"candidate source records: {candidates:,} landed in {candidate_seconds:.1f} s (target: 1,000,000 in under 60 s)"
    )
    print(
        f"all records: {total:,} (with applications, email events, attendance, jobs) in {elapsed:.1f} s; "
        f"peak RSS {peak:,.0f} MiB (target under 2 GB); warehouse {warehouse.stat().st_size / 2**20:,.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
