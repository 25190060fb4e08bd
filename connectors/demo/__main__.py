"""Command line: python -m connectors.demo --people N --seed S --out DIR [--overwrite]."""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from .generator import DemoOptions, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m connectors.demo", description=__doc__)
    parser.add_argument("--people", type=int, required=True, help="how many distinct people to generate")
    parser.add_argument("--seed", type=int, default=42, help="random seed; the same seed gives the same bytes")
    parser.add_argument("--out", type=Path, required=True, help="landing folder to create")
    parser.add_argument("--overwrite", action="store_true", help="replace the folder if it already holds files")
    options = parser.add_argument_group("the real world's mess (all off by default; the identity benchmark sets them)")
    options.add_argument(
        "--withheld-contacts", action="store_true", help="agencies send some or all profiles without email and phone"
    )
    options.add_argument(
        "--households", action="store_true", help="family members apply too, sharing family name, address and phone"
    )
    options.add_argument(
        "--drift",
        action="store_true",
        help="birth dates, experience, skills and address forms differ between a person's records",
    )
    options.add_argument("--realistic", action="store_true", help="all three options above")
    args = parser.parse_args(argv)
    if args.people < 1:
        parser.error("--people must be at least 1")
    out: Path = args.out
    if out.exists() and any(out.iterdir()):
        if not args.overwrite:
            print(
                f"error: {out} already holds files; pass --overwrite to replace them, or choose another --out",
                file=sys.stderr,
            )
            return 2
        shutil.rmtree(out)
    # write beside the target and rename at the end, so an interrupted run never leaves half a data set
    staging = out.with_name(out.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    started = time.perf_counter()
    demo_options = (
        DemoOptions.realistic()
        if args.realistic
        else DemoOptions(withheld_contacts=args.withheld_contacts, households=args.households, drift=args.drift)
    )
    counts = generate(args.people, args.seed, staging, demo_options)
    staging.rename(out)
    elapsed = time.perf_counter() - started
    per_source = ", ".join(f"{source} {n:,}" for source, n in sorted(counts.by_source.items()))
    print(
        f"demo data in {out}: {counts.people:,} people, {counts.source_records:,} candidate source records "
        f"({per_source}), {counts.applications:,} ATS applications, {counts.scorecards:,} interview scorecards, "
        f"{counts.events:,} email events, {counts.replies:,} replies, "
        f"{counts.attendance:,} attendance rows, {counts.jobs} job postings; {elapsed:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
