"""Benchmark: the demo generator at 1,000,000 candidate source records.

    python -m benchmarks.bench_demo [--people 651000] [--seed 1] [--keep DIR]

Runs `python -m connectors.demo` in a child process and reports wall time, peak resident memory (the
child's maxrss) and the number of records written. Target (issue 2): 1,000,000 source records in
under 3 minutes, with memory that does not grow with the data (streamed to disk).
"""

from __future__ import annotations

import argparse
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = psutil.virtual_memory().total / 2**30
    return f"{psutil.cpu_count(logical=True)} cores ({cpu}), {memory:.0f} GiB RAM, Python {platform.python_version()}"


def run(people: int, seed: int, out: Path) -> dict:
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "connectors.demo",
            "--people",
            str(people),
            "--seed",
            str(seed),
            "--out",
            str(out),
            "--overwrite",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    records = int(re.search(r"([\d,]+) candidate source records", done.stdout).group(1).replace(",", ""))
    size_mib = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 2**20
    return {
        "people": people,
        "records": records,
        "wall_s": wall,
        "peak_rss_mib": peak_mib,
        "size_mib": size_mib,
        "summary": done.stdout.strip(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=651_000, help="651,000 people give about 1,000,000 records")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=None, help="write here and keep the files")
    args = parser.parse_args()
    out = args.keep or Path(tempfile.mkdtemp(prefix="bench-demo-")) / "landing"
    try:
        result = run(args.people, args.seed, out)
    finally:
        if args.keep is None:
            shutil.rmtree(out.parent, ignore_errors=True)
    print(f"machine: {machine()}")
    print(
        f"demo generator: {result['people']:,} people -> {result['records']:,} candidate source records, "
        f"{result['wall_s']:.1f} s wall, peak RSS {result['peak_rss_mib']:.0f} MiB, {result['size_mib']:.0f} MiB on disk"
    )
    print(result["summary"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
