"""A value staging cannot read keeps its record (issue 16): a non-numeric epoch (Indeed appliedOnMillis,
Lever timestamps, SendGrid `timestamp`) or an unparseable timestamp lands, is emptied in staging and is one
row of int_field_issues_collected; the dbt build goes on, and no value from the data is printed to stdout,
dbt.log or run_results.json."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from connectors.common.landing import land_stream
from connectors.sources import RAW_TABLES, all_streams
from crm.dbt_runner import run_dbt, target_dir
from crm.warehouse import connect, ensure_schema

BAD = {
    "indeed": "epoch-not-a-number-7f3a",
    "lever": "yesterday-9c1e",
    "sendgrid": "soon-4b2d",
    "greenhouse": "last-tuesday-5e6f",
}
TOO_LARGE = 9_000_000_000_000_000_000  # a whole number of milliseconds no timestamp can hold


def write_files(landing: Path) -> dict[str, Path]:
    indeed = landing / "job_boards" / "indeed" / "apps.jsonl"
    lever = landing / "ats" / "lever" / "opportunities.json"
    events = landing / "engagement" / "sendgrid" / "events.json"
    greenhouse = landing / "ats" / "greenhouse" / "candidates_1.json"
    for path in (indeed, lever, events, greenhouse):
        path.parent.mkdir(parents=True, exist_ok=True)
    applicant = {"fullName": "山田 太郎", "email": "taro@example.jp"}
    indeed.write_text(
        json.dumps({"id": "i-good", "appliedOnMillis": 1760000000000, "applicant": applicant})
        + "\n"
        + json.dumps({"id": "i-bad", "appliedOnMillis": BAD["indeed"], "applicant": applicant})
        + "\n"
    )
    lever.write_text(
        json.dumps(
            [
                {"id": "l-good", "name": "Jane Roe", "createdAt": 1760000000000, "updatedAt": 1760000000000},
                {"id": "l-bad", "name": "John Doe", "createdAt": BAD["lever"], "updatedAt": TOO_LARGE},
            ]
        )
    )
    events.write_text(
        json.dumps(
            [
                {"sg_event_id": "e-good", "event": "open", "email": "a@example.jp", "timestamp": 1760000000},
                {"sg_event_id": "e-bad", "event": "open", "email": "a@example.jp", "timestamp": BAD["sendgrid"]},
            ]
        )
    )
    greenhouse.write_text(
        json.dumps([{"id": 7, "first_name": "花子", "last_name": "佐藤", "created_at": BAD["greenhouse"]}])
    )
    return {"indeed": indeed, "lever": lever, "sendgrid": events, "greenhouse": greenhouse}


def test_unreadable_epochs_and_timestamps_are_field_issues_and_no_value_is_printed(tmp_path, capfd):
    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    files = write_files(landing)
    with connect(warehouse) as con:
        ensure_schema(con, RAW_TABLES)
        results = [r for stream in all_streams(landing) for r in land_stream(con, stream)]
    assert sum(r.records_landed for r in results) == 7 and not any(r.records_quarantined for r in results)
    summary = run_dbt(
        [
            "run",
            "--select",
            "+int_field_issues_collected",
            "stg_indeed__applications",
            "stg_lever__opportunities",
            "stg_sendgrid__events",
        ],
        warehouse,
        date(2026, 11, 25),
    )
    assert summary.success
    with connect(warehouse, read_only=True) as con:
        issues = con.execute("""select source, file, record_position, source_record_id, field, rule
                                from intermediate.int_field_issues_collected
                                where rule = 'unparseable_timestamp' order by source, source_record_id, field""").fetchall()
        applied = dict(
            con.execute("select source_record_id, applied_at from staging.stg_indeed__applications").fetchall()
        )
        occurred = dict(con.execute("select event_id, occurred_at from staging.stg_sendgrid__events").fetchall())
    assert issues == [
        ("greenhouse", str(files["greenhouse"]), 1, "7", "created_at", "unparseable_timestamp"),
        ("indeed", str(files["indeed"]), 2, "i-bad", "applied_at", "unparseable_timestamp"),
        ("lever", str(files["lever"]), 2, "l-bad", "created_at", "unparseable_timestamp"),
        ("lever", str(files["lever"]), 2, "l-bad", "updated_at", "unparseable_timestamp"),
        ("sendgrid", str(files["sendgrid"]), 2, "e-bad", "occurred_at", "unparseable_timestamp"),
    ]
    assert applied["i-bad"] is None and applied["i-good"] is not None
    assert occurred["e-bad"] is None and occurred["e-good"] is not None
    printed = capfd.readouterr()
    logs = target_dir(warehouse)
    for where, text in {
        "stdout": printed.out,
        "stderr": printed.err,
        "dbt.log": (logs / "dbt.log").read_text(encoding="utf-8"),
        "run_results.json": (logs / "run_results.json").read_text(encoding="utf-8"),
    }.items():
        for value in [*BAD.values(), str(TOO_LARGE), "taro@example.jp"]:
            assert value not in text, f"{value} in {where}"
