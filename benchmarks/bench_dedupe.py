"""Benchmark: identity resolution (this project's dbt models) against Splink, on the same records.

    python -m benchmarks.bench_dedupe --landing DIR [--landing DIR ...] --work WORKDIR

Each DIR is demo data with its truth (`python -m connectors.demo --people N --seed S --out DIR`;
6,510 / 65,100 / 651,000 people give about 10k / 100k / 1M candidate source records). For each, the
records are landed and `dbt build` runs once to produce `intermediate.int_candidate_match_keys` (the
normalised fields both contenders get). Then, each in its own process so peak memory is its own:

- this project: `dbt run` of the dedupe models (blocking and comparisons, weight estimation, scoring,
  clustering with the chain guard). Its weights are estimated from the data on every run, so training is
  inside the timed step.
- Splink (DuckDB backend): a model on the same fields, the same blocking rules and the same 0.9 match
  threshold, trained once (untimed: prior from the exact email/phone rules, u by random sampling, m by
  expectation maximisation), then timed: `predict` plus `cluster_pairwise_predictions_at_threshold`.

Both are scored against the generator's truth: pairwise precision, recall and F1, and B-cubed F1.
Targets (issue 4): pairwise F1 >= 0.99 at 100k and 1M and not below Splink's; the dedupe step at 1M faster
than Splink's predict plus clustering, within 4 GB; 10x the records at most 12x the time.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

from benchmarks.bench_demo import machine

DEDUPE_MODELS = [
    "int_candidate_pairs",
    "int_match_weights",
    "int_candidate_matches",
    "int_candidate_records_clustered",
]
MATCH_THRESHOLD = 0.8


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---- one contender per process --------------------------------------------------------------------


def run_ours(warehouse: Path) -> dict:
    from datetime import date

    import duckdb

    from benchmarks.dedupe_metrics import accuracy
    from crm.dbt_runner import run_dbt

    started = time.perf_counter()
    summary = run_dbt(["run", "--select", *DEDUPE_MODELS], warehouse, date(2026, 11, 25))
    wall = time.perf_counter() - started
    with duckdb.connect(str(warehouse), read_only=True) as con:
        scores = accuracy(
            con,
            _truth(warehouse),
            "select record_key, candidate_id as cluster_id from intermediate.int_candidate_records_clustered",
        )
    return {"dedupe_s": summary.elapsed_s, "wall_s": wall, "peak_rss_mib": _peak_rss_mib(), **asdict(scores)}


def _splink_settings():
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    def levels(*pairs):
        return [cll.CustomLevel(sql, label) for sql, label in pairs]

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=[
            block_on("email_canonical"),
            block_on("phone"),
            block_on("name_reading_key", "birth_date"),
            block_on("name_reading_key", "locality"),
            block_on("birth_date", "postal_code"),
            block_on("name_reading_key", "skills_key"),
            block_on("email_ending"),
        ],
        comparisons=[
            cl.CustomComparison(
                output_column_name="email",
                comparison_levels=[
                    cll.NullLevel("email"),
                    cll.ExactMatchLevel("email"),
                    cll.ExactMatchLevel("email_canonical"),
                    *levels(
                        (
                            "email_domain_l = email_domain_r and damerau_levenshtein(email_local_l, email_local_r) <= 1",
                            "one typo",
                        )
                    ),
                    cll.ElseLevel(),
                ],
            ),
            cl.CustomComparison(
                output_column_name="phone",
                comparison_levels=[
                    cll.NullLevel("phone"),
                    *levels(("phone_l = phone_r or phone_l = phone2_r or phone2_l = phone_r", "exact")),
                    cll.ElseLevel(),
                ],
            ),
            cl.ForenameSurnameComparison(
                "given_reading", "family_reading", jaro_winkler_thresholds=[0.92, 0.88]
            ).configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("birth_date", input_is_string=False),
            cl.CustomComparison(
                output_column_name="place",
                comparison_levels=[
                    *levels(
                        (
                            "postal_code_l is null and locality_l is null and prefecture_l is null "
                            "or postal_code_r is null and locality_r is null and prefecture_r is null",
                            "null",
                        )
                    ),
                    cll.ExactMatchLevel("postal_code"),
                    cll.ExactMatchLevel("locality"),
                    cll.ExactMatchLevel("prefecture"),
                    cll.ElseLevel(),
                ],
            ),
            cl.CustomComparison(
                output_column_name="career",
                comparison_levels=[
                    cll.NullLevel("job_type_key"),
                    *levels(
                        ("job_type_key_l <> job_type_key_r", "different job"),
                        (
                            "abs(years_experience_l - years_experience_r) <= 1 and skills_key_l = skills_key_r",
                            "same job, years and skills",
                        ),
                        ("skills_key_l = skills_key_r", "same job and skills"),
                        ("skills_key_l <> skills_key_r", "same job, other skills"),
                        ("abs(years_experience_l - years_experience_r) <= 1", "same job and years"),
                    ),
                    cll.ElseLevel(),
                ],
            ),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def run_splink(warehouse: Path) -> dict:
    import logging

    import duckdb
    from splink import DuckDBAPI, Linker, block_on

    from benchmarks.dedupe_metrics import accuracy

    logging.getLogger("splink").setLevel(logging.WARNING)
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    con.execute(f"attach '{warehouse}' as wh (read_only)")
    con.execute(
        "create table records as select * exclude (node_id), node_id as unique_id, right(email_local, 6) || '@' || email_domain as email_ending "
        "from wh.intermediate.int_candidate_match_keys"
    )
    con.execute("detach wh")
    db_api = DuckDBAPI(con)
    linker = Linker(db_api.register("records"), _splink_settings(), log_level=logging.WARNING)

    started = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(
        [block_on("email_canonical"), block_on("phone")], recall=0.9
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("email_canonical"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name_reading_key", "birth_date"))
    training = time.perf_counter() - started

    started = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=0.2)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=MATCH_THRESHOLD
    )
    dedupe = time.perf_counter() - started

    scores = accuracy(
        con,
        _truth(warehouse),
        f"select records.record_key, c.cluster_id from {clusters.physical_name} as c join records using (unique_id)",
    )
    return {"dedupe_s": dedupe, "training_s": training, "peak_rss_mib": _peak_rss_mib(), **asdict(scores)}


def _truth(warehouse: Path) -> Path:
    return warehouse.with_suffix(".truth.csv")


# ---- orchestration --------------------------------------------------------------------------------


def prepare(landing: Path, work: Path) -> Path:
    """Land a copy of the demo data and dbt build once; returns the warehouse path."""
    from datetime import date

    from benchmarks.bench_gates import land
    from crm.dbt_runner import run_dbt

    work.mkdir(parents=True, exist_ok=True)
    warehouse = work / f"{landing.name}.duckdb"
    if warehouse.exists():
        return warehouse
    copy = work / f"{landing.name}.landing"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(landing, copy)
    shutil.copy(landing / "truth.csv", _truth(warehouse))
    started = time.perf_counter()
    building = warehouse.with_name(warehouse.name + ".building")  # renamed when complete
    building.unlink(missing_ok=True)
    land(copy, building)
    run_dbt(["build", "--exclude", "test_type:unit"], building, date(2026, 11, 25))
    building.rename(warehouse)
    print(f"prepared {warehouse.name}: landing and dbt build {time.perf_counter() - started:.0f} s", file=sys.stderr)
    shutil.rmtree(copy, ignore_errors=True)
    return warehouse


def in_subprocess(which: str, target: Path, *extra: str) -> dict:
    """Runs one step in a fresh interpreter. Peak RSS survives fork and exec on Linux, so the parent
    stays small: even the preparation runs in a child of its own."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_dedupe", "--one", which, str(target), *extra],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--landing", type=Path, action="append", default=[])
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-dedupe"))
    parser.add_argument("--one", nargs="+", metavar="ARG", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        which, target, *extra = args.one
        if which == "prepare":
            result = {"warehouse": str(prepare(Path(target), Path(extra[0])))}
        else:
            result = (run_ours if which == "ours" else run_splink)(Path(target))
        print(json.dumps(result))
        return 0

    print(f"machine: {machine()}", flush=True)
    rows = []
    for landing in args.landing:
        warehouse = Path(in_subprocess("prepare", landing, str(args.work))["warehouse"])
        for which in ("ours", "splink"):
            result = in_subprocess(which, warehouse)
            rows.append((landing.name, which, result))
            print(
                f"{landing.name:>10} {which:>7}: {result['records']:>9,} records  "
                f"pairwise P {result['pairwise_precision']:.4f} R {result['pairwise_recall']:.4f} "
                f"F1 {result['pairwise_f1']:.4f}  B-cubed F1 {result['bcubed_f1']:.4f}  "
                f"dedupe {result['dedupe_s']:.1f} s  peak RSS {result['peak_rss_mib']:,.0f} MiB"
                + (f"  (training {result['training_s']:.1f} s, untimed)" if "training_s" in result else ""),
                flush=True,
            )
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
