"""An erasure request: remove one person from everything the project wrote, never contact them again, and
say in a receipt what was removed where and what is kept and why.

What it removes (files first, then the warehouse in one transaction, so a crash leaves nothing half-done
that a rerun would not finish):
- every raw record of the person (their candidate records in every source, their Greenhouse applications and
  scorecards, the SendGrid events, replies and event attendance of their addresses);
- quarantined records that hold their address or phone however written (case, spaces, full-width digits,
  +81 or 0 forms: matched on normalised forms);
- their personalization (address, name, template data) in every stored SendGrid request body
  (`outbox.messages`) and in the outbox JSON files on disk, and the HTML of their mails the outbox rendered
  beside those files (`<outbox>/<campaign>/<batch>/<candidate id>.html`);
- their rows in the Career Relay CSV exports;
- their rows in the dbt-built tables (gone for good at the next build anyway).
What it keeps, and the receipt says so: keyed hashes of their normalised emails and phones in
`audit.erased_identifiers` (HMAC-SHA256 under the operator's key, crm/erasure_keys.py) so a record that comes
back is never mailed or provided again; the provision log (`outbox.provision_log`: a legal record under
APPI Art. 29, kept until its retain_until date, then deleted by the retention deployment); the send ledger
and Career Relay links (ids and tokens only); the request and its receipt.
What it cannot rewrite: the landed source files (they hold other people too). The receipt lists where each
one is now (`<landing>/_archive/<source>/<load id>/...` once ingest archived it) for redaction by hand.
In sendgrid mode: the addresses are added to SendGrid's global suppressions and SendGrid is asked to erase
what it holds (Recipients' Data Erasure API), each call exactly once: a call's success is recorded before the
next, and a rerun of the same reference makes only the calls still missing. Until both are done the addresses
wait in `audit.erasure_pending_sendgrid` (the only clear copy left), deleted when the calls are done.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from connectors.common.csv_export import write_csv
from connectors.common.landing import COMPANION_SUFFIXES, archive_of, file_sha256, where_landed_file_is
from connectors.sources import CANDIDATE_RAW_TABLES, RAW_TABLES
from crm import erasure_keys
from crm.warehouse import connect, ensure_schema, resolve, transaction, utc_now

ERASURE_DDL = """
-- what an erasure removed and kept (JSON, no personal data): the same document as the receipt file
CREATE TABLE IF NOT EXISTS audit.erasure_receipts (
    reference    VARCHAR PRIMARY KEY,
    candidate_id VARCHAR NOT NULL,
    written_at   TIMESTAMP NOT NULL,
    receipt      JSON NOT NULL
);
-- SendGrid calls an erasure must make (global_suppression, data_erasure): pending until done, exactly once
CREATE TABLE IF NOT EXISTS audit.erasure_sendgrid_calls (
    reference VARCHAR NOT NULL,
    call      VARCHAR NOT NULL,
    status    VARCHAR NOT NULL,
    job_ids   VARCHAR,
    done_at   TIMESTAMP,
    PRIMARY KEY (reference, call)
);
-- the addresses those calls still need: deleted as soon as both calls are done
CREATE TABLE IF NOT EXISTS audit.erasure_pending_sendgrid (
    reference VARCHAR NOT NULL,
    email     VARCHAR NOT NULL
);
"""
SENDGRID_CALLS = ("global_suppression", "data_erasure")
PURPOSES = ("request", "retention")
KEPT_SCHEMAS = ("raw", "audit", "outbox")  # owned by Python; every other schema is dbt's, rebuilt from raw
PROVISION_LOG_WHY = (
    "APPI Art. 29: the record of each provision of personal data to a third party (recipient, person, data "
    "items, consent reference, date) must be kept for its legal period; it holds ids, no values, and is deleted "
    "after retain_until by the retention deployment"
)


@dataclass
class Erasure:
    reference: str
    candidate_id: str
    raw_rows_deleted: int
    identifiers: int
    files_to_redact: list[str]
    removed: dict[str, int] = field(default_factory=dict)
    key_id: str = ""
    demo_key: bool = False
    receipt_file: str | None = None
    sendgrid: dict = field(default_factory=dict)


class UnknownCandidate(LookupError):
    pass


def erase_candidate(
    warehouse: str | Path,
    candidate_id: str,
    reference: str,
    outbox_dir: str | Path | None = None,
    relay_export_dir: str | Path | None = None,
    landing: str | Path | None = None,
    send_mode: str = "outbox",
    sendgrid=None,
    receipts_dir: str | Path | None = None,
    purpose: str = "request",
) -> Erasure:
    """Carry out one erasure request (see the module's docstring). `outbox_dir`, `relay_export_dir` and
    `receipts_dir` default to the folders beside the warehouse the flows use (outbox/, exports/career_relay/,
    erasure_receipts/); `landing` is where to look for archived source files besides the folders the
    landed files came from. `sendgrid`: SendGridSettings (from the environment when None). `purpose`:
    'request' (the person asked: keyed identifiers are kept so they are never contacted again, and SendGrid
    suppresses the address) or 'retention' (outbound/retention.py: nothing is kept to recognise them, and SendGrid
    is only asked to erase)."""
    if purpose not in PURPOSES:
        raise ValueError(f"purpose {purpose!r} is not one of {', '.join(PURPOSES)}")
    warehouse = resolve(warehouse)
    outbox_dir = Path(outbox_dir) if outbox_dir else warehouse.parent / "outbox"
    relay_export_dir = Path(relay_export_dir) if relay_export_dir else warehouse.parent / "exports" / "career_relay"
    receipts_dir = Path(receipts_dir) if receipts_dir else warehouse.parent / "erasure_receipts"
    key = erasure_keys.current_key()
    with connect(warehouse) as con:
        ensure_schema(con, RAW_TABLES)
        con.execute(ERASURE_DDL)
        if con.execute("select count(*) from audit.erasure_requests where reference = ?", [reference]).fetchone()[0]:
            pending = con.execute(
                "select count(*) from audit.erasure_sendgrid_calls where reference = ? and status = 'pending'",
                [reference],
            ).fetchone()[0]
            if not pending:
                raise ValueError(f"erasure request {reference} was already carried out (audit.erasure_requests)")
            if send_mode != "sendgrid":
                raise ValueError(
                    f"erasure request {reference} still has SendGrid calls to make: run it again with "
                    "--send-mode sendgrid (and SENDGRID_API_KEY set)"
                )
            receipt = json.loads(
                con.execute("select receipt from audit.erasure_receipts where reference = ?", [reference]).fetchone()[0]
            )
        else:
            receipt = _erase_locally(
                con, candidate_id, reference, key, outbox_dir, relay_export_dir, landing, send_mode, purpose
            )
    if send_mode == "sendgrid":
        receipt["sendgrid"] = _sendgrid_calls(warehouse, reference, sendgrid)
    receipt_file = _write_receipt(warehouse, receipts_dir, receipt)
    return Erasure(
        reference=reference,
        candidate_id=receipt["candidate_id"],
        raw_rows_deleted=receipt["removed"]["raw records"],
        identifiers=receipt["identifiers_kept"],
        files_to_redact=receipt["files_to_redact"],
        removed=receipt["removed"],
        key_id=receipt["key_id"],
        demo_key=receipt["key_id"] == erasure_keys.DEMO_KEY_ID,
        receipt_file=str(receipt_file),
        sendgrid=receipt["sendgrid"],
    )


def _erase_locally(
    con,
    candidate_id: str,
    reference: str,
    key: erasure_keys.ErasureKey,
    outbox_dir: Path,
    relay_export_dir: Path,
    landing,
    send_mode: str,
    purpose: str = "request",
) -> dict:
    records = con.execute(
        "select source, source_record_id, email, phone from marts.candidate_record_contacts where candidate_id = ?",
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
    tokens = {
        t
        for (t,) in con.execute(
            "select tracking_token from outbox.relay_links where candidate_id = ?", [candidate_id]
        ).fetchall()
    }
    removed: dict[str, int] = {}

    # files first: a crash after this leaves them redacted and the warehouse untouched; a rerun finishes
    bodies = _redact_messages(con, candidate_id, emails)
    removed["outbox.messages request bodies"] = len(bodies)
    removed["outbox files"] = _redact_outbox_files(
        {Path(f) for (f,) in con.execute("select file from outbox.messages where file is not null").fetchall()}
        | set(outbox_dir.rglob("*.json") if outbox_dir.is_dir() else []),
        candidate_id,
        emails,
    )
    removed["outbox HTML previews"] = _remove_outbox_previews(
        {Path(f) for (f,) in con.execute("select file from outbox.messages where file is not null").fetchall()},
        outbox_dir,
        candidate_id,
    )
    removed["Career Relay CSV exports (rows)"], removed["Career Relay CSV export files"] = _redact_relay_exports(
        relay_export_dir, tokens, emails, phones
    )

    greenhouse_ids = [record_id for source, record_id in keys if source == "greenhouse"]
    con.execute("create or replace temp table erase_keys (source varchar, source_record_id varchar)")
    _insert_many(con, "insert into erase_keys values (?, ?)", keys)
    targets = [
        (t, "(source, source_record_id) in (select source, source_record_id from erase_keys)", [])
        for t in CANDIDATE_RAW_TABLES
    ]
    for table in ("greenhouse_applications", "greenhouse_scorecards"):
        targets.append(
            (
                table,
                f"json_extract_string(record, '$.candidate_id') in ({', '.join('?' * len(greenhouse_ids)) or 'null'})",
                greenhouse_ids,
            )
        )
    for table, name in (
        ("sendgrid_events", "email"),
        ("event_attendance", "email"),
        ("sendgrid_replies", "from_email"),
    ):
        targets.append(
            (
                table,
                f"lower(trim(json_extract_string(record, '$.{name}'))) in ({', '.join('?' * len(emails)) or 'null'})",
                emails,
            )
        )
    quarantined = _quarantined_rows(con, emails, phones)
    with transaction(con):
        landed, deleted = set(), 0
        for table, where, params in targets:
            landed |= set(
                con.execute(f"select distinct load_id, file from raw.{table} where {where}", params).fetchall()
            )
            deleted += con.execute(f"delete from raw.{table} where {where}", params).fetchone()[0]
        removed["raw records"] = deleted
        for row_id, load_id, file in quarantined:
            con.execute("delete from audit.quarantine where rowid = ?", [row_id])
            landed.add((load_id, file))
        removed["audit.quarantine"] = len(quarantined)
        for batch_id, body in bodies.items():
            con.execute("update outbox.messages set request_body = ? where batch_id = ?", [body, batch_id])
        removed["warehouse models (until the next build)"] = _delete_from_models(con, candidate_id, keys, emails)
        files = _where_now(con, sorted(landed), landing)
        identifiers = (
            [("email", key.hash(e), key.key_id, erasure_keys.SCHEME, reference) for e in emails]
            + [("phone", key.hash(p), key.key_id, erasure_keys.SCHEME, reference) for p in phones]
            if purpose == "request"
            else []  # retention: the person did not object; a later application makes a new candidate
        )
        _insert_many(
            con, "insert into audit.erased_identifiers values (?, ?, ?, ?, ?) on conflict do nothing", identifiers
        )
        con.execute(
            "insert into audit.erasure_requests values (?, ?, ?, ?, ?)",
            [reference, candidate_id, utc_now(), deleted, "\n".join(files)],
        )
        provisions = con.execute(
            "select count(*) from outbox.provision_log where candidate_id = ?", [candidate_id]
        ).fetchone()[0]
        receipt = {
            "reference": reference,
            "candidate_id": candidate_id,
            "purpose": purpose,
            "erased_at": utc_now().isoformat(timespec="seconds") + "Z",
            "key_id": key.key_id,
            "identifiers_kept": len(identifiers),
            "removed": removed,
            "kept": [
                {"what": f"outbox.provision_log: {provisions} row(s) about this person", "why": PROVISION_LOG_WHY},
                {
                    "what": f"audit.erased_identifiers: {len(identifiers)} keyed hash(es) of the person's normalised "
                    f"emails and phones (HMAC-SHA256, key {key.key_id})",
                    "why": "to recognise the person's records if a source sends them again, so they are never "
                    "mailed or provided again; no value can be read back without the operator's key",
                },
                {
                    "what": "outbox.send_ledger and outbox.relay_links rows (candidate id, campaign, tokens: no "
                    "address or name)",
                    "why": "so a rerun never repeats a send and Career Relay credits stay countable",
                },
                {"what": "audit.erasure_requests and this receipt", "why": "proof that the request was carried out"},
            ],
            "files_to_redact": files,
            "files_to_redact_why": "landed source files also hold other people: redact or delete these by hand",
            "sendgrid": _sendgrid_not_applicable() if send_mode != "sendgrid" else {},
        }
        if send_mode == "sendgrid":
            con.executemany(
                "insert into audit.erasure_sendgrid_calls values (?, ?, 'pending', null, null)",
                [(reference, call) for call in SENDGRID_CALLS if purpose == "request" or call == "data_erasure"],
            )
            _insert_many(
                con, "insert into audit.erasure_pending_sendgrid values (?, ?)", [(reference, e) for e in emails]
            )
        con.execute(
            "insert into audit.erasure_receipts values (?, ?, ?, ?)",
            [reference, candidate_id, utc_now(), json.dumps(receipt, ensure_ascii=False)],
        )
    con.execute("drop table if exists erase_keys")
    con.execute("CHECKPOINT")  # deleted rows are not left readable in the file's old blocks longer than needed
    return receipt


def _insert_many(con, sql: str, rows: list) -> None:
    if rows:  # DuckDB's executemany refuses an empty list
        con.executemany(sql, rows)


def _sendgrid_not_applicable() -> dict:
    return {
        "mode": "outbox",
        "global_suppression": {"status": "not applicable (outbox mode: nothing was sent to SendGrid)"},
        "data_erasure": {"status": "not applicable (outbox mode: nothing was sent to SendGrid)"},
    }


# --- request bodies and files ----------------------------------------------------------------------------


def _is_the_person(personalization: dict, candidate_id: str, emails: list[str]) -> bool:
    if (personalization.get("custom_args") or {}).get("candidate_id") == candidate_id:
        return True
    addresses = [
        str(to.get("email", "")).strip().lower()
        for part in ("to", "cc", "bcc")
        for to in personalization.get(part) or []
        if isinstance(to, dict)
    ]
    return any(a in emails for a in addresses)


def _without_person(body: dict, candidate_id: str, emails: list[str]) -> dict | None:
    """The body without the person's personalizations; None when they were not in it."""
    parts = body.get("personalizations") or []
    kept = [p for p in parts if not _is_the_person(p, candidate_id, emails)]
    if len(kept) == len(parts):
        return None
    return {**body, "personalizations": kept}


def _redact_messages(con, candidate_id: str, emails: list[str]) -> dict[str, str]:
    """batch id -> the request body without the person (only bodies that held them)."""
    changed = {}
    for batch_id, text in con.execute("select batch_id, request_body from outbox.messages").fetchall():
        redacted = _without_person(json.loads(text), candidate_id, emails)
        if redacted is not None:
            changed[batch_id] = orjson.dumps(redacted).decode()
    return changed


def _redact_outbox_files(paths: set[Path], candidate_id: str, emails: list[str]) -> int:
    count = 0
    for path in sorted(paths):
        try:
            body = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            continue
        redacted = _without_person(body, candidate_id, emails) if isinstance(body, dict) else None
        if redacted is not None:
            _replace(path, orjson.dumps(redacted, option=orjson.OPT_INDENT_2))
            count += 1
    return count


def _remove_outbox_previews(message_files: set[Path], outbox_dir: Path, candidate_id: str) -> int:
    """The person's rendered mails: `<candidate id>.html` in the folder beside each outbox request body."""
    name = f"{candidate_id}.html"
    pages = {file.with_suffix("") / name for file in message_files}
    pages |= set(outbox_dir.glob(f"*/*/{name}") if outbox_dir.is_dir() else [])
    removed = 0
    for page in sorted(pages):
        if page.is_file():
            page.unlink()
            removed += 1
    return removed


def _replace(path: Path, data: bytes) -> None:
    """Write the new content beside the file and move it over the old one: never half a file."""
    temporary = path.with_name(path.name + ".erasing")
    temporary.write_bytes(data)
    temporary.replace(path)


def _redact_relay_exports(folder: Path, tokens: set[str], emails: list[str], phones: list[str]) -> tuple[int, int]:
    """Rows of the person in the Career Relay CSV exports (by tracking token, email or phone), removed."""
    if not folder.is_dir():
        return 0, 0
    phone_forms = {p for p in phones} | {"0" + p[3:] for p in phones if p.startswith("+81")}
    rows_removed = files = 0
    for path in sorted(folder.glob("referrals-*.csv")):
        with open(path, encoding="utf-8-sig", newline="") as fh:
            table = list(csv.reader(fh))
        if not table:
            continue
        header, rows = table[0], table[1:]

        def is_person(row: list[str]) -> bool:
            cells = {cell.lstrip("'").strip() for cell in row}
            lowered = {c.lower() for c in cells}
            digits = {re.sub(r"[^0-9+]", "", c) for c in cells}
            return bool(cells & tokens or lowered & set(emails) or digits & phone_forms)

        kept = [row for row in rows if not is_person(row)]
        if len(kept) != len(rows):
            temporary = path.with_name(path.name + ".erasing")
            write_csv(temporary, header, kept)
            temporary.replace(path)
            rows_removed += len(rows) - len(kept)
            files += 1
    return rows_removed, files


# --- quarantine -------------------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"\s+")


def _quarantined_rows(con, emails: list[str], phones: list[str]) -> list[tuple[int, str, str]]:
    """(rowid, load_id, file) of quarantined records holding one of the addresses or phones in any writing:
    compared after NFKC (full-width to half-width), lower case and without spaces; phones by their digits,
    with +81 or a trunk 0 before the national number."""
    patterns = []
    for phone in phones:
        national = phone[3:] if phone.startswith("+81") else None
        patterns.append(
            re.compile(rf"(?<![0-9])(?:\+?810?|0){national}(?![0-9])" if national else rf"\+?{phone[1:]}(?![0-9])")
        )
    found = []
    for row_id, load_id, file, text in con.execute(
        "select rowid, load_id, file, raw_record from audit.quarantine"
    ).fetchall():
        if not text:
            continue
        folded = unicodedata.normalize("NFKC", text).lower()
        compact = _SEPARATORS.sub("", folded)
        digits = re.sub(r"[^0-9+]", "", compact)
        if any(e in compact for e in emails) or any(p.search(digits) for p in patterns):
            found.append((row_id, load_id, file))
    return found


# --- the dbt-built tables ---------------------------------------------------------------------------------


def _delete_from_models(con, candidate_id: str, keys: list[tuple[str, str]], emails: list[str]) -> int:
    """Rows of the person in the tables dbt built (views follow their sources), by candidate id, source
    record or address: the next build would drop them, this does not wait for it."""
    columns: dict[tuple[str, str], set[str]] = {}
    for schema, table, column in con.execute(
        """select c.schema_name, c.table_name, c.column_name from duckdb_columns() c
           join duckdb_tables() t on t.schema_name = c.schema_name and t.table_name = c.table_name
           where c.database_name = current_database() and t.database_name = current_database()
             and c.schema_name not in ('raw', 'audit', 'outbox') and not t.temporary"""
    ).fetchall():
        columns.setdefault((schema, table), set()).add(column)
    deleted = 0
    for (schema, table), names in sorted(columns.items()):
        clauses, params = [], []
        if "candidate_id" in names:
            clauses.append("candidate_id = ?")
            params.append(candidate_id)
        if {"source", "source_record_id"} <= names:
            clauses.append("(source, source_record_id) in (select source, source_record_id from erase_keys)")
        if "email" in names and emails:
            clauses.append(f"lower(email) in ({', '.join('?' * len(emails))})")
            params += emails
        if clauses:
            deleted += con.execute(f'delete from "{schema}"."{table}" where {" or ".join(clauses)}', params).fetchone()[
                0
            ]
    return deleted


# --- landed files -----------------------------------------------------------------------------------------


def _where_now(con, landed: list[tuple[str, str]], landing) -> list[str]:
    """Where each landed file that held the person is now: still in the landing folder, or moved by ingest to
    `<landing>/_archive/<source>/<load id>/`, or a copy in `<landing>/_archive/<source>/duplicates/`."""
    sums = dict(con.execute("select load_id, file_sha256 from audit.loads").fetchall())
    found: set[str] = set()
    for load_id, file in landed:
        places = where_landed_file_is(file, load_id, landing)
        archive = archive_of(file, landing)
        if archive is not None and sums.get(load_id):
            places += [
                copy
                for copy in archive.glob("*/duplicates/*")
                if copy.is_file()
                and not copy.is_symlink()
                and not copy.name.endswith(COMPANION_SUFFIXES)
                and file_sha256(copy) == sums[load_id]
            ]
        found |= {str(p) for p in places} or {f"(not found: {file}, load {load_id}: moved or deleted since)"}
    return sorted(found)


# --- SendGrid ---------------------------------------------------------------------------------------------


def _sendgrid_calls(warehouse: Path, reference: str, settings) -> dict:
    """Make the SendGrid calls of this erasure still pending, recording each as soon as it succeeded."""
    from connectors.sinks.sendgrid import api
    from connectors.sinks.sendgrid.client import make_client
    from connectors.sinks.sendgrid.settings import SendGridSettings

    settings = settings or SendGridSettings()
    with connect(warehouse) as con:
        emails = [
            e
            for (e,) in con.execute(
                "select email from audit.erasure_pending_sendgrid where reference = ? order by email", [reference]
            ).fetchall()
        ]
        status = {
            c: s
            for c, s in con.execute(
                "select call, status from audit.erasure_sendgrid_calls where reference = ?", [reference]
            ).fetchall()
        }
    client = None
    for call in SENDGRID_CALLS:
        if status.get(call) != "pending":
            continue
        jobs = None
        if emails:
            client = client or make_client(settings)
            if call == "global_suppression":
                api.suppress_globally(client, emails, settings)
            else:
                jobs = api.request_erasure(client, emails, settings)
        with connect(warehouse) as con, transaction(con):
            con.execute(
                "update audit.erasure_sendgrid_calls set status = 'done', job_ids = ?, done_at = ? "
                "where reference = ? and call = ?",
                [",".join(jobs) if jobs else None, utc_now(), reference, call],
            )
    with connect(warehouse) as con:
        with transaction(con):
            calls = con.execute(
                "select call, status, job_ids, done_at from audit.erasure_sendgrid_calls where reference = ?",
                [reference],
            ).fetchall()
            if all(s == "done" for _, s, _, _ in calls):
                con.execute("delete from audit.erasure_pending_sendgrid where reference = ?", [reference])
        con.execute("CHECKPOINT")
    done = {
        call: {
            "status": s,
            **({"at": at.isoformat(timespec="seconds") + "Z"} if at else {}),
            **({"job_ids": jobs.split(",")} if jobs else {}),
        }
        for call, s, jobs, at in calls
    }
    return {"mode": "sendgrid", "addresses": len(emails), **done}


# --- the receipt ------------------------------------------------------------------------------------------


def _write_receipt(warehouse: Path, folder: Path, receipt: dict) -> Path:
    with connect(warehouse) as con, transaction(con):
        con.execute(
            "update audit.erasure_receipts set receipt = ?, written_at = ? where reference = ?",
            [json.dumps(receipt, ensure_ascii=False), utc_now(), receipt["reference"]],
        )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (re.sub(r"[^A-Za-z0-9._-]", "_", receipt["reference"]) + ".json")
    _replace(path, json.dumps(receipt, ensure_ascii=False, indent=2).encode())
    return path
