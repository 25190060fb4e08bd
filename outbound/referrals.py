"""Referrals to Career Relay: personal data leaves only for people in the gated `marts.relay_referral_batch`
(recorded consent), and every provision is written to `outbox.provision_log` (Japan's APPI: recipient,
person, data items, consent reference, time; kept at least 3 years).

Per batch: the provision rows are written as 'sending' (with the tracking tokens) before anything leaves,
then the batch is posted to the API under its batch id as the idempotency key, or written as a CSV file
for the operator when no API is configured; then the rows become 'provided'. Rows left 'sending' by a run
that died are sent again, under the same key or to the same file, by the next run: never twice.
"""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyarrow as pa

from connectors.common.csv_export import write_csv
from connectors.sinks.career_relay.client import Refused, make_client, post_referrals
from connectors.sinks.career_relay.settings import CareerRelaySettings
from crm.warehouse import connect, rows_as_dicts, transaction, utc_now

from .relay_links import links_table, tracking_token

RECIPIENT = "career_relay"
DATA_ITEMS = (
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "email",
    "phone",
    "prefecture",
    "desired_job_type",
    "years_experience",
    "skills",
)

NEW_SQL = f"""
select candidate_id, application_key, consent_reference, {", ".join(DATA_ITEMS)}
from marts.relay_referral_batch b
where not exists (select 1 from outbox.provision_log p where p.recipient = '{RECIPIENT}' and p.candidate_id = b.candidate_id)
order by candidate_id
"""

# a batch a run left 'sending': the same people, read again, under the same batch id
PENDING_SQL = f"""
select p.batch_id, p.mode, p.candidate_id, p.application_key, p.consent_reference,
       {", ".join("c." + item for item in DATA_ITEMS)}
from outbox.provision_log p
join marts.candidates c on c.candidate_id = p.candidate_id
where p.recipient = '{RECIPIENT}' and p.status = 'sending'
order by p.batch_id, p.candidate_id
"""


@dataclass
class ProvisionSummary:
    mode: str
    candidates: int = 0
    provided: int = 0
    resumed: int = 0
    batches: int = 0
    files: list[str] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)  # {batch_id, reason}: no personal data


def provide_referrals(
    warehouse: str | Path,
    as_of: date,
    export_dir: str | Path,
    run_id: str | None = None,
    settings: CareerRelaySettings | None = None,
    sleep=time.sleep,
) -> ProvisionSummary:
    settings = settings or CareerRelaySettings()
    mode = "api" if settings.api_url else "csv"
    summary = ProvisionSummary(mode=mode)
    client = make_client(settings) if mode == "api" else None
    try:
        with connect(warehouse) as con:
            for batch_id, batch_mode, rows in _pending(con):
                _deliver(con, client, batch_id, batch_mode, rows, settings, Path(export_dir), summary, sleep)
                summary.resumed += len(rows)
            new = rows_as_dicts(con.execute(NEW_SQL))
            summary.candidates = len(new) + summary.resumed
            for start in range(0, len(new), settings.batch_size):
                rows = [_with_token(row, settings) for row in new[start : start + settings.batch_size]]
                batch_id = (
                    "relay-" + hashlib.sha1("\n".join(r["application_key"] for r in rows).encode()).hexdigest()[:12]
                )
                _record_sending(con, rows, batch_id, mode, as_of, settings, run_id)
                _deliver(con, client, batch_id, mode, rows, settings, Path(export_dir), summary, sleep)
    finally:
        if client is not None:
            client.close()
    return summary


def _pending(con) -> list[tuple[str, str, list[dict]]]:
    batches: dict[tuple[str, str], list[dict]] = {}
    for row in rows_as_dicts(con.execute(PENDING_SQL)):
        batches.setdefault((row.pop("batch_id"), row.pop("mode")), []).append(row)
    return [(batch_id, mode, rows) for (batch_id, mode), rows in batches.items()]


def _with_token(row: dict, settings: CareerRelaySettings) -> dict:
    return {**row, "tracking_token": tracking_token(settings.token_secret, settings.company_id, row["application_key"])}


def _record_sending(
    con, rows: list[dict], batch_id: str, mode: str, as_of: date, settings: CareerRelaySettings, run_id: str | None
) -> None:
    n, recorded = len(rows), utc_now()
    retain_until = _years_after(as_of, settings.retention_years)
    provisions = pa.table(  # noqa: F841 (read by DuckDB's replacement scan below)
        {
            "recipient": [RECIPIENT] * n,
            "candidate_id": [r["candidate_id"] for r in rows],
            "application_key": [r["application_key"] for r in rows],
            "tracking_token": [r["tracking_token"] for r in rows],
            "data_items": [",".join(DATA_ITEMS)] * n,
            "consent_reference": [r["consent_reference"] for r in rows],
            "batch_id": [batch_id] * n,
            "mode": [mode] * n,
            "status": ["sending"] * n,
            "detail": pa.nulls(n, pa.string()),
            "run_id": [run_id] * n,
            "recorded_at": pa.array([recorded] * n, pa.timestamp("us")),
            "retain_until": [retain_until] * n,
        }
    )
    links = links_table(rows, settings.company_id, mode, batch_id, recorded)  # noqa: F841
    with transaction(con):
        con.execute("INSERT INTO outbox.provision_log SELECT * FROM provisions")
        con.execute("INSERT INTO outbox.relay_links SELECT * FROM links ON CONFLICT DO NOTHING")


def _deliver(
    con,
    client,
    batch_id: str,
    mode: str,
    rows: list[dict],
    settings: CareerRelaySettings,
    export_dir: Path,
    summary: ProvisionSummary,
    sleep,
) -> None:
    rows = [r if "tracking_token" in r else _with_token(r, settings) for r in rows]
    if mode == "csv":
        path = export_dir / f"referrals-{batch_id}.csv"
        write_csv(
            path,
            ["company_id", "tracking_token", *DATA_ITEMS, "consent_reference"],
            (
                [
                    settings.company_id,
                    r["tracking_token"],
                    *(_cell(i, r[i]) for i in DATA_ITEMS),
                    r["consent_reference"],
                ]
                for r in rows
            ),
        )
        summary.files.append(str(path))
    else:
        body = {
            "company_id": settings.company_id,
            "referrals": [
                {
                    "tracking_token": r["tracking_token"],
                    **{i: _json(r[i]) for i in DATA_ITEMS},
                    "consent_reference": r["consent_reference"],
                }
                for r in rows
            ],
        }
        outcome = post_referrals(client, body, batch_id, settings, sleep=sleep, rng=random.Random())
        if isinstance(outcome, Refused):
            reason = "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in outcome.errors)[
                :500
            ]
            with transaction(con):
                con.execute(
                    "UPDATE outbox.provision_log SET status = 'refused', detail = ? WHERE batch_id = ? "
                    "AND status = 'sending'",
                    [reason, batch_id],
                )
            summary.refused.append({"batch_id": batch_id, "reason": reason})
            return
    with transaction(con):
        con.execute(
            "UPDATE outbox.provision_log SET status = 'provided', recorded_at = ? WHERE batch_id = ? "
            "AND status = 'sending'",
            [utc_now(), batch_id],
        )
    summary.provided += len(rows)
    summary.batches += 1


def _cell(item: str, value):
    # a leading + would be escaped as a spreadsheet formula: the file carries the national format instead
    if item == "phone" and isinstance(value, str) and value.startswith("+81"):
        return "0" + value[3:]
    return value


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: keep the record one day longer, never shorter
        return date(day.year + years, 3, 1)


def _json(value):
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)
