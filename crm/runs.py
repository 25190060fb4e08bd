"""What the last completed pipeline run left, so a run with nothing new can say so in seconds.

A run is a no-op when nothing waits in the landing folders, the warehouse's inputs (landed loads, ledgers)
and the dbt project and vars are exactly as the last completed run left them, and nothing is pulled from an
API. Then landing, the build, the gates and the sends would all find nothing to do: `python -m
flows.pipeline` answers from here without starting Prefect ("nothing new since ..."). `--force` runs anyway.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from crm.warehouse import connect, resolve, transaction, utc_now

DDL = """
CREATE SCHEMA IF NOT EXISTS audit;
CREATE TABLE IF NOT EXISTS audit.pipeline_runs (
    finished_at         TIMESTAMP NOT NULL,
    as_of               DATE NOT NULL,
    send_mode           VARCHAR NOT NULL,
    inputs_fingerprint  VARCHAR NOT NULL,
    summary             VARCHAR NOT NULL,
    run_id              VARCHAR
);
"""


@dataclass
class LastRun:
    finished_at: datetime
    summary: str


def inputs_fingerprint(warehouse: str | Path, as_of: date, send_mode: str) -> str:
    """Everything a run's outcome depends on besides new files: the landed data and the ledgers, the dbt
    project, the vars (run date, settings) and the send mode."""
    from crm.dbt_runner import data_fingerprint, dbt_vars, project_fingerprint

    return json.dumps(
        [data_fingerprint(warehouse), project_fingerprint(), dbt_vars(warehouse, as_of), send_mode], sort_keys=True
    )


def files_waiting(landing: str | Path) -> int:
    """Files in the source folders that a run would land (or skip as copies): anything a stream reads."""
    from connectors.sources import all_streams

    return sum(len(stream.files()) for stream in all_streams(Path(landing)))


def record_completed(warehouse: str | Path, as_of: date, send_mode: str, summary_text: str, run_id: str | None) -> None:
    fingerprint = inputs_fingerprint(warehouse, as_of, send_mode)
    with connect(warehouse) as con:
        con.execute(DDL)
        with transaction(con):
            con.execute(
                "insert into audit.pipeline_runs values (?, ?, ?, ?, ?, ?)",
                [utc_now(), as_of, send_mode, fingerprint, summary_text, run_id],
            )


def nothing_new(landing: str | Path, warehouse: str | Path, as_of: date, send_mode: str) -> LastRun | None:
    """The last completed run, when this run would find nothing new; None when there is work (or no record)."""
    warehouse = resolve(warehouse)
    if not warehouse.is_file() or os.environ.get("GREENHOUSE_API_KEY") or files_waiting(landing):
        return None
    with connect(warehouse, read_only=True) as con:
        if not con.execute(
            "select count(*) from information_schema.tables where table_schema = 'audit' "
            "and table_name = 'pipeline_runs'"
        ).fetchone()[0]:
            return None
        last = con.execute(
            """select finished_at, inputs_fingerprint, summary from audit.pipeline_runs
                              where as_of = ? and send_mode = ? order by finished_at desc limit 1""",
            [as_of, send_mode],
        ).fetchone()
    if last is None or last[1] != inputs_fingerprint(warehouse, as_of, send_mode):
        return None
    return LastRun(last[0], last[2])
