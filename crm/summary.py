"""The end-of-run summary, for people (terminal) and for the Prefect UI (markdown artifact).
It holds counts only, never a name, email address or phone number."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import duckdb

from connectors.common.landing import FileNotice, LoadResult
from crm.warehouse import connect


@dataclass
class SourceTotals:
    files_loaded: int = 0
    files_skipped: int = 0
    records_read: int = 0
    records_landed: int = 0
    records_quarantined: int = 0
    files_rejected: int = 0  # rejected for a setting, or failed to read: they land once fixed
    files_waiting: int = 0  # still being written: they land on a later run


@dataclass
class IngestSummary:
    by_source: dict[str, SourceTotals] = field(default_factory=dict)
    load_ids: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    in_doubt_accepted: int = 0  # earlier in-doubt sends settled from the landed SendGrid events
    in_doubt_released: int = 0
    # files under the source folders that did not land: unrecognised, refused, waiting (one per file and kind)
    notices: dict[tuple[str, str], FileNotice] = field(default_factory=dict)
    not_landed: list[str] = field(default_factory=list)  # why each rejected, failed or waiting file did not land

    def add_notices(self, notices: Iterable[FileNotice]) -> None:
        for notice in notices:
            self.notices[(notice.path, notice.kind)] = notice

    def add(self, result: LoadResult) -> None:
        totals = self.by_source.setdefault(result.source, SourceTotals())
        if result.status == "skipped":
            totals.files_skipped += 1
            return
        if result.status in ("rejected", "failed", "waiting", "refused"):
            if result.status == "waiting":
                totals.files_waiting += 1
            else:
                totals.files_rejected += 1
            self.not_landed.append(result.message)
            return
        totals.files_loaded += 1
        totals.records_read += result.records_read
        totals.records_landed += result.records_landed
        totals.records_quarantined += result.records_quarantined
        self.load_ids.append(result.load_id)
        self.problems.extend(result.reasons)

    def merge(self, other: IngestSummary) -> IngestSummary:
        for source, totals in other.by_source.items():
            mine = self.by_source.setdefault(source, SourceTotals())
            for name in vars(totals):
                setattr(mine, name, getattr(mine, name) + getattr(totals, name))
        self.load_ids += other.load_ids
        self.problems += other.problems
        self.notices.update(other.notices)
        self.not_landed += other.not_landed
        self.in_doubt_accepted += other.in_doubt_accepted
        self.in_doubt_released += other.in_doubt_released
        return self

    @property
    def records_landed(self) -> int:
        return sum(t.records_landed for t in self.by_source.values())

    def unrecognised(self, source: str) -> int:
        """Files under the source's folders that no stream reads, or were refused (links, special files)."""
        return sum(n.source == source and n.kind != "waiting" for n in self.notices.values())


WAREHOUSE_COUNTS = {
    "candidate_records": "select count(*) from marts.candidate_crosswalk",
    "candidates": "select count(*) from marts.candidates",
    "nurture_audience": "select count(*) from marts.nurture_audience",
    "suppressed_addresses": "select count(*) from marts.email_suppressions",
    "quarantined_total": "select count(*) from audit.quarantine",
    "outbox_messages_total": "select count(*) from outbox.send_ledger",
    "talent_pool": "select count(*) from marts.talent_pool",
    "identity_review_queue": "select count(*) from marts.identity_review_queue",
    "provisions_total": "select count(*) from outbox.provision_log where status = 'provided'",
}
# every message in the send ledger by its kind (nurture, new_position, reapply_notice, rejection, consent_renewal)
KINDS = ("nurture", "new_position", "reapply_notice", "rejection", "consent_renewal")
LEDGER_BY_KIND = "select kind, count(*) from outbox.send_ledger where kind is not null group by kind"
# the credit ledger's latest row per company, summed: referrals, free slots earned and left, unmatched
RELAY_CREDITS = """
    select coalesce(sum(referrals_to_date), 0), coalesce(sum(slots_earned_to_date), 0), coalesce(sum(slots_left), 0),
           coalesce(sum(unmatched_referrals_to_date), 0)
    from (select * from marts.relay_credits qualify row_number() over (partition by company_id order by month desc) = 1)
"""
LANDED_BY_SOURCE = "select source, sum(records_landed) from audit.loads where status = 'loaded' group by source"
# the people a source's records describe today (a record landed in three versions is one record, one person)
PEOPLE_BY_SOURCE = "select source, count(distinct candidate_id) from marts.candidate_crosswalk group by source"
# values staging emptied (the record landed and counts), per source, field and rule
FIELD_ISSUES = "select source, field, rule, count(*) from marts.field_issues group by all order by all"


def read_warehouse_counts(warehouse: str) -> dict[str, int]:
    counts = {}
    with connect(warehouse, read_only=True) as con:
        for name, sql in WAREHOUSE_COUNTS.items():
            counts[name] = con.execute(sql).fetchone()[0]
        for source, landed in con.execute(LANDED_BY_SOURCE).fetchall():
            counts[f"landed:{source}"] = int(landed or 0)
        for source, people in con.execute(PEOPLE_BY_SOURCE).fetchall():
            counts[f"people:{source}"] = int(people)
        try:
            issues = con.execute(FIELD_ISSUES).fetchall()
        except duckdb.CatalogException:  # a warehouse built before field issues existed
            issues = []
        for source, field_name, rule, n in issues:
            counts[f"field_issues:{source}"] = counts.get(f"field_issues:{source}", 0) + int(n)
            counts[f"field_issue:{source}:{field_name}:{rule}"] = int(n)
        try:
            by_kind = dict(con.execute(LEDGER_BY_KIND).fetchall())
        except duckdb.BinderException:  # a warehouse whose ledger has no kind column yet
            by_kind = {}
        for kind in KINDS:
            counts[f"sent:{kind}"] = int(by_kind.get(kind, 0))
        row = con.execute(RELAY_CREDITS).fetchone()
        for name, value in zip(("relay_referrals", "relay_slots_earned", "relay_slots_left", "relay_unmatched"), row):
            counts[name] = int(value)
    return counts


# "in warehouse" counts record versions (every landed version of every record, applications and events too);
# "people" the persons a source's candidate records describe today, after merging
TEXT_TITLE = "Records per source (new files this run; all landed so far, and the people they describe):"
TEXT_HEADER = (
    f"  {'source':32} {'files':>5} {'skipped':>7} {'read':>9} {'landed':>9} {'quarantined':>11}"
    f" {'in warehouse':>12} {'people':>9} {'field issues':>12} {'unrecognised':>12}"
)


def _people(people: int | None) -> str:
    return "-" if people is None else f"{people:,}"


@dataclass
class RunSummary:
    ingest: object
    build: object
    send: object
    outbox_dir: str
    warehouse: dict[str, int] = field(default_factory=dict)
    outbound: object = None  # flows.send.RejectionsAndReferrals
    alerts: object = None  # flows.send.AlertSends

    def _settled(self) -> tuple[int, int]:
        accepted = getattr(self.ingest, "in_doubt_accepted", 0) + self.send.settled_accepted
        return accepted, getattr(self.ingest, "in_doubt_released", 0) + self.send.released

    def _outbound_lines(self) -> list[str]:
        if self.outbound is None:
            return []
        w, mail, relay = self.warehouse, self.outbound.rejections, self.outbound.referrals
        verb = "accepted by SendGrid" if mail.mode == "sendgrid" else "written to the outbox"
        where = "exported as CSV for the operator" if relay.mode == "csv" else "pushed to the Career Relay API"
        reconciled = (
            "the operator's count agrees"
            if not w.get("relay_unmatched")
            else f"{w['relay_unmatched']:,} registrations the operator counts do not match our tokens"
        )
        return [
            f"Rejection mail: {mail.messages:,} {verb}, each with its Career Relay link ({mail.already_sent:,} already "
            f"sent"
            + (f"; {len(mail.refused):,} refused, {mail.in_doubt:,} in doubt" if mail.mode == "sendgrid" else "")
            + ")",
            f"Career Relay: {relay.provided:,} referrals with consent {where} (provision log: "
            f"{w.get('provisions_total', 0):,}); credits: {w.get('relay_referrals', 0):,} referrals, "
            f"{w.get('relay_slots_earned', 0):,} free slots earned, {w.get('relay_slots_left', 0):,} left; {reconciled}",
        ]

    def _alert_lines(self) -> list[str]:
        """The re-engagement mail of this run, per kind, and every message in the send ledger by kind."""
        lines = []
        if self.alerts is not None:
            for label, mail in (
                ("Re-application notices", self.alerts.reapply_notice),
                ("New-position alerts", self.alerts.new_position),
            ):
                verb = "accepted by SendGrid" if mail.mode == "sendgrid" else "written to the outbox"
                lines.append(
                    f"{label}: {mail.messages:,} {verb} ({mail.already_sent:,} already sent, {mail.capped:,} held by "
                    "the frequency cap"
                    + (
                        f"; {len(mail.refused):,} refused, {mail.in_doubt:,} in doubt"
                        if mail.mode == "sendgrid"
                        else ""
                    )
                    + ")"
                )
        w = self.warehouse
        if any(key.startswith("sent:") for key in w):
            lines.append(
                "Mail by kind (send ledger, all runs): "
                + ", ".join(f"{kind} {w.get(f'sent:{kind}', 0):,}" for kind in KINDS)
            )
        return lines

    def _source_rows(self):
        """Per source: files loaded and skipped this run, records read, landed and quarantined this run, all
        record versions landed so far and the people their records describe (none for sources of events),
        values emptied in staging (marts.field_issues) and files no stream reads."""
        landed_before = {k.split(":", 1)[1] for k in self.warehouse if k.startswith("landed:")}
        with_issues = {k.split(":", 1)[1] for k in self.warehouse if k.startswith("field_issues:")}
        notices = getattr(self.ingest, "notices", {}) or {}
        unread = {n.source for n in notices.values() if n.kind != "waiting"}
        for source in sorted(set(self.ingest.by_source) | landed_before | with_issues | unread):
            t = self.ingest.by_source.get(source) or SourceTotals()
            yield (
                source,
                t.files_loaded,
                t.files_skipped,
                t.records_read,
                t.records_landed,
                t.records_quarantined,
                self.warehouse.get(f"landed:{source}", 0),
                self.warehouse.get(f"people:{source}"),
                self.warehouse.get(f"field_issues:{source}", 0),
                sum(n.source == source and n.kind != "waiting" for n in notices.values()),
            )

    def _field_issue_lines(self) -> list[str]:
        """Warnings: per source, the values staging emptied by field and rule (the records landed)."""
        by_source: dict[str, list[str]] = {}
        for key, n in self.warehouse.items():
            if key.startswith("field_issue:"):
                _, source, field_name, rule = key.split(":", 3)
                by_source.setdefault(source, []).append(f"{n:,} {field_name} {rule}")
        return [
            f"{source}: {self.warehouse.get(f'field_issues:{source}', 0):,} value(s) emptied ({', '.join(details)}); "
            'the records landed: marts.field_issues names each (docs/runbook.md, "A field was emptied")'
            for source, details in sorted(by_source.items())
        ]

    def _file_lines(self) -> list[str]:
        """Warnings: files no stream reads or that were refused, and files that did not land this run."""
        notices = sorted((getattr(self.ingest, "notices", {}) or {}).values(), key=lambda n: (n.kind, n.file))
        lines = [f"{n.kind}: {n.reason}" for n in notices if n.kind != "waiting"]
        lines += [f"not landed: {m}" for m in getattr(self.ingest, "not_landed", [])]
        lines += [f"waiting: {n.reason}" for n in notices if n.kind == "waiting"]
        if len(lines) > 20:
            lines = lines[:20] + [f"... and {len(lines) - 20} more (audit.unlanded_files, audit.loads)"]
        return lines

    def _gate_rows(self):
        for report in self.build.gates:
            failed = len(report.blocking_failures)
            for suite, rows in report.rows_checked.items():
                suite_outcomes = [o for o in report.outcomes if o.suite == suite]
                passed = sum(o.success for o in suite_outcomes)
                yield suite, rows, f"{passed}/{len(suite_outcomes)}", failed

    def _warnings(self):
        return [w for report in self.build.gates for w in report.warnings]

    def _dbt_warnings(self) -> list[str]:
        """dbt tests and source freshness at warn severity (the model invariants dbt owns)."""
        return list(getattr(self.build, "dbt_warnings", None) or [])

    def _data_docs(self) -> str | None:
        return next((r.data_docs for r in reversed(self.build.gates) if r.data_docs), None)

    def text(self) -> str:
        w = self.warehouse
        lines = [TEXT_TITLE, TEXT_HEADER]
        for source, loaded, skipped, read, landed, quarantined, total, people, issues, unread in self._source_rows():
            lines.append(
                f"  {source:32} {loaded:>5} {skipped:>7} {read:>9,} {landed:>9,} {quarantined:>11,} {total:>12,}"
                f" {_people(people):>9} {issues:>12,} {unread:>12,}"
            )
        if not self.ingest.load_ids:
            lines.append("  no new files: 0 records loaded")
        lines += [f"  warning: field issues, {line}" for line in self._field_issue_lines()]
        lines += [f"  warning: {line}" for line in self._file_lines()]
        merged = w.get("candidate_records", 0) - w.get("candidates", 0)
        lines.append(
            f"Candidates after merging: {w.get('candidates', 0):,} people from "
            f"{w.get('candidate_records', 0):,} source records ({merged:,} duplicates merged; "
            f"{w.get('identity_review_queue', 0):,} pairs await review in marts.identity_review_queue)"
        )
        lines.append(f"Talent pool: {w.get('talent_pool', 0):,} people")
        if getattr(self.build, "report", None):
            lines.append(f"KPI report: {self.build.report}")
        gates = ", ".join(f"{suite} {ratio}" for suite, _, ratio, _ in self._gate_rows())
        lines.append(f"Quality gates passed: {gates}")
        for warning in self._warnings():
            lines.append(f"  warning: {warning.suite}, {warning.expectation} on {warning.column}: {warning.observed}")
        dbt_warned = self._dbt_warnings()
        if dbt_warned:
            lines.append(f"dbt tests and source freshness: {len(dbt_warned):,} warning(s), nothing blocked")
            lines += [f"  warning: dbt {w}" for w in dbt_warned]
        if self._data_docs():
            lines.append(f"Data Docs: {self._data_docs()}")
        s = self.send
        held = (
            f"{s.already_sent:,} already sent for this campaign, {s.capped:,} held by the frequency cap,"
            f" {w.get('suppressed_addresses', 0):,} suppressed addresses"
        )
        if s.mode == "sendgrid":
            settled_accepted, released = self._settled()
            lines.append(
                f"Messages accepted by SendGrid: {s.messages:,} in {s.batches} request(s) ({held}; "
                f"{len(s.refused):,} refused, {s.in_doubt:,} in doubt; earlier in-doubt sends settled from "
                f"SendGrid's events: {settled_accepted:,} accepted, {released:,} not, sent now)"
            )
        else:
            lines.append(
                f"Messages written to the outbox: {s.messages:,} in {s.batches} batch(es) -> {self.outbox_dir} ({held})"
            )
        lines += self._alert_lines()
        lines += self._outbound_lines()
        return "\n".join(lines)

    def markdown(self) -> str:
        w = self.warehouse
        out = [
            "## Pipeline run",
            "",
            "| source | files | skipped | read | landed | quarantined | in warehouse | people | field issues "
            "| unrecognised |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for source, loaded, skipped, read, landed, quarantined, total, people, issues, unread in self._source_rows():
            out.append(
                f"| {source} | {loaded} | {skipped} | {read:,} | {landed:,} | {quarantined:,} | {total:,} "
                f"| {_people(people)} | {issues:,} | {unread:,} |"
            )
        if self._field_issue_lines():
            out += ["", "**Field issues** (warning: the records landed, these values are empty):", ""]
            out += [f"- {line}" for line in self._field_issue_lines()]
        if self._file_lines():
            out += ["", "**Files that did not land** (warning):", ""]
            out += [f"- {line}" for line in self._file_lines()]
        out += [
            "",
            f"**Candidates:** {w.get('candidates', 0):,} from {w.get('candidate_records', 0):,} source records "
            f"({w.get('identity_review_queue', 0):,} pairs to review); "
            f"**talent pool:** {w.get('talent_pool', 0):,}",
            "",
            "| gate suite | rows | expectations passed |",
            "|---|---:|---:|",
        ]
        for suite, rows, ratio, _ in self._gate_rows():
            out.append(f"| {suite} | {rows:,} | {ratio} |")
        if self._warnings():
            out += ["", "**Gate warnings:**", ""]
            out += [f"- {w.suite}, {w.expectation} on {w.column}: {w.observed}" for w in self._warnings()]
        if self._dbt_warnings():
            out += ["", "**dbt warnings** (warn severity, nothing blocked):", ""]
            out += [f"- {w}" for w in self._dbt_warnings()]
        s = self.send
        where = "SendGrid" if s.mode == "sendgrid" else "Outbox"
        out += [
            "",
            f"**{where}:** {s.messages:,} messages in {s.batches} batches; {s.already_sent:,} already sent; "
            f"{s.capped:,} capped; {w.get('suppressed_addresses', 0):,} suppressed addresses"
            + (f"; {len(s.refused):,} refused; {s.in_doubt:,} in doubt" if s.mode == "sendgrid" else ""),
        ]
        out += [
            f"**{line.split(':', 1)[0]}:**{line.split(':', 1)[1]}"
            for line in self._alert_lines() + self._outbound_lines()
        ]
        return "\n".join(out)


RUNBOOK_SECTIONS = {
    "ingest-sources": "A file was quarantined",
    "build-warehouse": "A quality gate failed, or a dbt test",
    "send-alerts": "SendGrid rate-limits, fails, or refuses the key",
    "send-nurture": "SendGrid rate-limits, fails, or refuses the key",
    "send-rejections-and-referrals": "Career Relay refuses the key, is down, or a referral push is pending",
}


def failed_run_markdown(step: str, message: str, ingest: IngestSummary | None, sent: list[str]) -> str:
    """The summary a failed run publishes, on the run an operator opens first: where it stopped and why, what
    landed, what was sent before it stopped (nothing, when a gate stopped it), and what to do next."""
    out = [f"## Pipeline run failed at `{step}`", "", "```", message.strip()[:3000], "```", ""]
    if ingest is not None:
        out += [
            "| source | files | skipped | read | landed | quarantined | unrecognised |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for source in sorted(
            set(ingest.by_source) | {n.source for n in ingest.notices.values() if n.kind != "waiting"}
        ):
            t = ingest.by_source.get(source) or SourceTotals()
            out.append(
                f"| {source} | {t.files_loaded} | {t.files_skipped} | {t.records_read:,} | {t.records_landed:,} "
                f"| {t.records_quarantined:,} | {ingest.unrecognised(source):,} |"
            )
        if not ingest.by_source and not ingest.notices:
            out.append("| (no files) | 0 | 0 | 0 | 0 | 0 | 0 |")
        out.append("")
    out.append("**Sent before the failure:** " + ("; ".join(sent) if sent else "nothing"))
    section = RUNBOOK_SECTIONS.get(step, "")
    out += [
        "",
        "**What to do:** fix what the message names"
        + (f' (docs/runbook.md, "{section}")' if section else " (docs/runbook.md)")
        + ", then press Retry on this run: files already landed are skipped, an unchanged build comes from "
        "the cache, and the ledgers never send anything twice.",
    ]
    return "\n".join(out)
