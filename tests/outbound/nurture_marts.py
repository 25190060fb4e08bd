"""Synthetic nurture marts for send tests that do not build the warehouse: marts.nurture_batch from any select of
candidate_id, email, display_name, segment, campaign_id, step, completed with the columns the send step also reads
(kind, variant, job_family, region, frequency_cap_days) when the select leaves them out, marts.nurture_audience
(everyone in the batch, with the batch's campaign) and an empty marts.nurture_jobs unless one exists."""

from __future__ import annotations

DEFAULTS = {
    "kind": ("varchar", "'nurture'"),
    "variant": ("varchar", "null"),
    "job_family": ("varchar", "'engineering'"),
    "region": ("varchar", "'unknown'"),
    "frequency_cap_days": ("integer", "14"),
}


def create_nurture_marts(con, batch_sql: str, params: list | None = None, replace: bool = False) -> None:
    verb = "create or replace table" if replace else "create table"
    con.execute("create schema if not exists marts")
    con.execute(f"{verb} marts.nurture_batch as {batch_sql}", params or [])
    present = {row[0] for row in con.execute("describe marts.nurture_batch").fetchall()}
    for column, (kind, default) in DEFAULTS.items():
        if column not in present:
            con.execute(f"alter table marts.nurture_batch add column {column} {kind} default {default}")
    con.execute(
        f"{verb} marts.nurture_audience as select candidate_id, email, segment, campaign_id as campaign "
        "from marts.nurture_batch"
    )
    con.execute(
        "create table if not exists marts.nurture_jobs (job_id varchar, job_title varchar, job_family varchar, "
        "prefecture varchar, posted_date date, valid_through_at timestamp)"
    )
