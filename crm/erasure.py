"""An erasure request: delete one person's records from the warehouse and never contact them again.

What it does, in one transaction:
- deletes every raw record of the person (their candidate records in every source, their Greenhouse
  applications, the SendGrid events and event attendance of their addresses) and quarantined records that
  mention their address or phone;
- records the request in `audit.erasure_requests` and one-way SHA-256 hashes of their normalised email
  addresses and phones in `audit.erased_identifiers`: the next build suppresses any record that comes back
  with one of them (`marts.email_suppressions`, reason erasure_request), so they are never mailed or
  provided to Career Relay again.
What stays: the send ledger and the provision log (ids only, no values; the provision log is a legal
record kept 3 years), and the landed source files in `<landing>/_archive/`, which hold other people too:
the command lists the files to redact by hand. Run `make run` (or the build-warehouse deployment) after it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from connectors.sources import CANDIDATE_RAW_TABLES, RAW_TABLES
from crm.warehouse import connect, ensure_schema, transaction, utc_now


@dataclass
class Erasure:
    reference: str
    candidate_id: str
    raw_rows_deleted: int
    identifiers: int
    files_to_redact: list[str]


class UnknownCandidate(LookupError):
    pass


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def erase_candidate(warehouse: str, candidate_id: str, reference: str) -> Erasure:
    with connect(warehouse) as con:
        ensure_schema(con, RAW_TABLES)
        if con.execute("select count(*) from audit.erasure_requests where reference = ?", [reference]).fetchone()[0]:
            raise ValueError(f"erasure request {reference} was already carried out (audit.erasure_requests)")
        records = con.execute(
            """
            select source, source_record_id, email, phone
            from marts.candidate_record_contacts
            where candidate_id = ?""",
            [candidate_id],
        ).fetchall()
        if not records:
            raise UnknownCandidate(
                f"candidate {candidate_id} is not in marts.candidate_crosswalk: check the id "
                "(marts.candidates) or run the build first"
            )
        keys = sorted({(source, record_id) for source, record_id, _, _ in records})
        emails = sorted({email for *_, email, _ in records if email})
        phones = sorted({phone for *_, phone in records if phone})
        greenhouse_ids = [record_id for source, record_id in keys if source == "greenhouse"]
        con.execute("create temp table erase_keys (source varchar, source_record_id varchar)")
        con.executemany("insert into erase_keys values (?, ?)", keys)
        with transaction(con):
            files, deleted = set(), 0
            targets = [
                (t, "(source, source_record_id) in (select source, source_record_id from erase_keys)", [])
                for t in CANDIDATE_RAW_TABLES
            ]
            for table in ("greenhouse_applications", "greenhouse_scorecards"):
                targets.append(
                    (
                        table,
                        "json_extract_string(record, '$.candidate_id') in "
                        f"({', '.join('?' * len(greenhouse_ids)) or 'null'})",
                        greenhouse_ids,
                    )
                )
            for table, field in (
                ("sendgrid_events", "email"),
                ("event_attendance", "email"),
                ("sendgrid_replies", "from_email"),
            ):
                targets.append(
                    (
                        table,
                        f"lower(trim(json_extract_string(record, '$.{field}'))) in "
                        f"({', '.join('?' * len(emails)) or 'null'})",
                        emails,
                    )
                )
            for table, where, params in targets:
                files |= {
                    f for (f,) in con.execute(f"select distinct file from raw.{table} where {where}", params).fetchall()
                }
                deleted += con.execute(f"delete from raw.{table} where {where}", params).fetchone()[0]
            for value in emails + phones:
                deleted += con.execute(
                    "delete from audit.quarantine where contains(raw_record, ?)", [value]
                ).fetchone()[0]
            con.execute(
                "insert into audit.erasure_requests values (?, ?, ?, ?, ?)",
                [reference, candidate_id, utc_now(), deleted, "\n".join(sorted(files))],
            )
            identifiers = [("email", sha256(e), reference) for e in emails] + [
                ("phone", sha256(p), reference) for p in phones
            ]
            con.executemany("insert into audit.erased_identifiers values (?, ?, ?) on conflict do nothing", identifiers)
    return Erasure(reference, candidate_id, deleted, len(identifiers), sorted(files))
