"""Benchmark: the quality gates on the warehouse built from 1,000,000 candidate source records.

    python -m benchmarks.bench_gates --landing DIR --warehouse PATH [--as-of YYYY-MM-DD]

DIR is demo data (`python -m connectors.demo --people 651000 --seed 1 --out DIR` gives 1,000,000 candidate
records). If PATH does not exist yet, the landing and `dbt build` are run first and timed too (they are
reported, not part of the target). Then every gate stage runs once, as the flows run it. Target (issue 6):
the gates on the marts of 1,000,000 source records take under 30 s.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime
from pathlib import Path

import psutil

from benchmarks.bench_demo import machine
from connectors.common.landing import land_stream
from connectors.sources import RAW_TABLES, all_streams
from crm.dbt_runner import run_dbt
from crm.gates import run_gate
from crm.warehouse import connect, ensure_schema
from expectations.suites import AFTER_PASS


def timed(label: str, fn):
    started = time.perf_counter()
    value = fn()
    elapsed = time.perf_counter() - started
    rss = psutil.Process().memory_info().rss / 2**20
    print(f"{label:36} {elapsed:8.1f} s   (process RSS now {rss:,.0f} MiB)", flush=True)
    return value, elapsed


def land(landing: Path, warehouse: Path) -> int:
    with connect(warehouse) as con:
        ensure_schema(con, RAW_TABLES)
        return sum(r.records_landed for s in all_streams(landing) for r in land_stream(con, s))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument(
        "--as-of", type=date.fromisoformat, default=date.today(), help="the run date the flows would use (today)"
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")
    if not args.warehouse.exists():
        timed("landing (all sources)", lambda: land(args.landing, args.warehouse))
        timed("dbt build", lambda: run_dbt(["build"], args.warehouse, args.as_of))
    with connect(args.warehouse, read_only=True) as con:
        records = con.execute("select count(*) from marts.candidate_crosswalk").fetchone()[0]
        people = con.execute("select count(*) from marts.candidates").fetchone()[0]
    print(f"warehouse: {records:,} candidate source records, {people:,} candidates")
    params = {"as_of": args.as_of.isoformat(), "cap_days": 14}
    with connect(args.warehouse) as con:  # forget earlier passes: the first raw gate checks every load
        ensure_schema(con, RAW_TABLES)
        con.execute("update audit.loads set raw_gate_passed_at = null")
    after_marts = 0.0
    for stage in ("raw", "nurture", "rejections", "referrals"):
        report, elapsed = timed(f"gate {stage}", lambda stage=stage: run_gate(args.warehouse, stage, params))
        if stage != "raw":
            after_marts += elapsed
        failed = [f"{o.suite}/{o.column}" for o in report.blocking_failures]
        print(f"    suites {', '.join(report.rows_checked)}; blocking failures: {failed or 'none'}")
        if stage == "raw":
            with connect(args.warehouse) as con:
                con.execute(AFTER_PASS["raw"], [datetime.now(), datetime.now()])
            timed("gate raw, next run (no new loads)", lambda: run_gate(args.warehouse, "raw", params))
    print(f"gates after dbt (the send gates): {after_marts:.1f} s (target: under 30 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
