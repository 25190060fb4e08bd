"""Quality gate suites: Great Expectations over DataFrames that each suite's query reads from the warehouse.

dbt tests own the invariants of the models (dbt_project: tests with error or warn severity, source
freshness); the gates keep what dbt cannot see or must not wait for:
  raw         after landing, before dbt: required fields present in the latest version of every record;
              this run's landed volume per stream against recent runs
  nurture     in the send flow, right before sending: the batch about to go out, and its size
  rejections  right before the rejection mail: the batch about to go out
  referrals   right before Career Relay: the people whose data is about to leave
  new-position, reapply-notice   right before the new-position alerts and the re-application notices
The send gates read `marts.<batch>_checks`: views dbt builds from the same rule macros the batch marts are
built with (dbt_project/macros/outbound/may_be_mailed.sql), over views of the landed SendGrid events, the
send ledger, the provision log and the erasure list. So the gate and the mart apply one rule, and an
unsubscribe landed after the last build still stops the send. A failure names the candidate ids (never an
address) and the rule.

Every expectation is `blocking` (stops the run, nothing leaves) or `warning` (reported in the run summary);
its text in the Data Docs starts with BLOCKING or warning, and the results show the observed count, share
or ratio. Suites are defined here, in code, and written to the GX project with add_or_update, so the stored
suites never drift from what runs. Queries may use {as_of} (the run date, ISO).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from connectors.sources.registry import agency_files, agency_headers

BLOCKING, WARNING = "blocking", "warning"

# thresholds people may want to tune
VOLUME_BAND = (0.5, 3.0)  # this run's records (or batch size) against the median of recent runs
MIN_HISTORY_RUNS = 3
RECENT_RUNS = 10  # the nurture batch-size gate's history: the last this many completed nurture runs


@dataclass(frozen=True)
class GateSuite:
    name: str
    stage: str
    description: str
    query: str
    build: Callable[[], list]
    index_columns: tuple[str, ...] = ()  # name the failing rows in messages (ids only, never personal data)

    def expectations(self) -> list:
        return self.build()


def _gxe():
    import great_expectations.expectations as gxe

    return gxe


def expect(kind: str, severity: str, text: str, check: str | None = None, **kwargs):
    """A GX expectation whose Data Docs text says whether it blocks (BLOCKING ...) or warns (warning ...)."""
    meta = {"severity": severity, **({"check": check} if check else {})}
    label = "BLOCKING" if severity == BLOCKING else "warning"
    return getattr(_gxe(), kind)(
        **kwargs,
        meta=meta,
        severity="critical" if severity == BLOCKING else "warning",
        description=f"{label}: {text}",
    )


def _required_keys(*keys: str) -> Callable[[], list]:
    """Per required key, how many records lack it: at most 0 (the Data Docs show the count)."""
    return lambda: [
        expect(
            "ExpectColumnMaxToBeBetween",
            BLOCKING,
            f"records of the new loads without the field {key}: none allowed",
            check="required_key",
            column=key,
            min_value=0,
            max_value=0,
        )
        for key in keys
    ]


FILES_SUFFIX = " files"  # beside each required-key count: [file, load_id] of the records lacking it


def _latest(table: str, checks: dict[str, str]) -> str:
    """Counted in DuckDB: one row with the number of records checked and, per required key, how many lack it.

    Checked: records of loads no raw gate has passed yet, unless a later load replaced them. So a rerun
    without fixing a bad export fails again, a corrected export replaces the bad records and passes, and
    a run only pays for what it landed."""
    columns = ",\n            ".join(
        f'count(*) filter (where not ({expr})) as "{name}",\n            '
        # the landed files that hold such records (path and load): the failure message says where they are now
        f'list(distinct [r.file, r.load_id]) filter (where not ({expr})) as "{name}{FILES_SUFFIX}"'
        for name, expr in checks.items()
    )
    return f"""
        select
            count(*) as records,
            {columns}
        from raw.{table} as r
        where r.load_id in (select load_id from audit.loads where raw_gate_passed_at is null)
          and not exists (
                select 1 from raw.{table} as newer
                where newer.source = r.source and newer.source_record_id = r.source_record_id
                  and (newer.loaded_at > r.loaded_at or (newer.loaded_at = r.loaded_at and newer.load_id > r.load_id)))
    """


def _has(*paths: str) -> str:
    return " or ".join(f"json_exists(record, '{p}')" for p in paths)


def _any_header(columns: tuple[str, ...]) -> tuple[str, str]:
    """One check over agency header groups (the vocabulary in dbt_project.yml, vars.agency_files): its name,
    e.g. "メールアドレス/電話番号1 or email/phone", and the condition that the record has any of the headers."""
    vocabulary = agency_files()["columns"]
    names = " or ".join("/".join(vocabulary[c][i] for c in columns) for i in range(len(vocabulary[columns[0]])))
    return names, _has(*(f'$."{header}"' for header in agency_headers(*columns)))


# a record has a name column and a contact column, in Japanese or English headers
AGENCY_CHECKS = dict(_any_header(tuple(agency_files()[group])) for group in ("name_columns", "contact_columns"))


RAW_SUITES = (
    GateSuite(
        "raw_greenhouse_candidates",
        "raw",
        "Greenhouse candidate objects carry the documented keys (a renamed field is caught by name).",
        _latest(
            "greenhouse_candidates",
            {
                k: _has(f"$.{k}")
                for k in ("id", "first_name", "last_name", "email_addresses", "phone_numbers", "created_at")
            },
        ),
        _required_keys("id", "first_name", "last_name", "email_addresses", "phone_numbers", "created_at"),
    ),
    GateSuite(
        "raw_greenhouse_applications",
        "raw",
        "Greenhouse application objects carry the documented keys.",
        _latest("greenhouse_applications", {k: _has(f"$.{k}") for k in ("id", "candidate_id", "status", "applied_at")}),
        _required_keys("id", "candidate_id", "status", "applied_at"),
    ),
    GateSuite(
        "raw_indeed_applications",
        "raw",
        "Indeed Apply payloads carry the applicant, their name and the application time.",
        _latest(
            "indeed_applications",
            {
                "applicant": _has("$.applicant"),
                "applicant.fullName": _has("$.applicant.fullName"),
                "appliedOnMillis": _has("$.appliedOnMillis"),
            },
        ),
        _required_keys("applicant", "applicant.fullName", "appliedOnMillis"),
    ),
    GateSuite(
        "raw_agency_candidates",
        "raw",
        "Agency rows have a name column and a contact column, in Japanese or English headers.",
        _latest("agency_candidates", AGENCY_CHECKS),
        _required_keys(*AGENCY_CHECKS),
    ),
    GateSuite(
        "raw_sendgrid_events",
        "raw",
        "SendGrid events carry the event type, the address and the time.",
        _latest("sendgrid_events", {k: _has(f"$.{k}") for k in ("event", "email", "timestamp")}),
        _required_keys("event", "email", "timestamp"),
    ),
)


def _volume_band(above_is: str, what: str, against: str = "the median of recent runs") -> Callable[[], list]:
    """ratio_to_recent_median inside VOLUME_BAND: too small is a warning, too large is `above_is`. Not judged
    (empty ratio) before MIN_HISTORY_RUNS earlier runs."""

    def build():
        low, high = VOLUME_BAND
        return [
            expect(
                "ExpectColumnValuesToBeBetween",
                above_is,
                f"{what} at most {high:g}x {against}",
                column="ratio_to_recent_median",
                max_value=high,
            ),
            expect(
                "ExpectColumnValuesToBeBetween",
                WARNING,
                f"{what} at least {low:g}x {against}",
                column="ratio_to_recent_median",
                min_value=low,
            ),
        ]

    return build


LOAD_VOLUMES = GateSuite(
    "raw_load_volumes",
    "raw",
    "Per stream, the records this run landed against the median of the last runs that landed any "
    "(an export that suddenly shrinks by half, or triples, is suspicious). Needs 3 earlier runs.",
    f"""
    with per_run as (
        select stream, run_id, sum(records_read) as records, max(started_at) as run_started_at
        from audit.loads
        where status = 'loaded' and run_id is not null and records_read > 0
        group by stream, run_id
    ),
    ranked as (
        select *, row_number() over (partition by stream order by run_started_at desc) as recency
        from per_run
    ),
    history as (
        select stream, median(records) as median_records, count(*) as runs
        from ranked where recency between 2 and 11 group by stream
    )
    select latest.stream, latest.records,
           case when history.runs >= {MIN_HISTORY_RUNS} then latest.records / history.median_records end
               as ratio_to_recent_median
    from ranked as latest
    left join history on history.stream = latest.stream
    where latest.recency = 1
    """,
    _volume_band(WARNING, "the records a stream landed in this run:"),
    index_columns=("stream",),
)

# The rules of "may be mailed", as the `<batch>_checks` views show them (one column per rule, built by
# dbt_project/macros/outbound/may_be_mailed.sql, mail_rules): the value that lets a row go, and what the
# rule means. tests/crm/test_gates.py checks that every view column has its rule here and back.
MAIL_RULES = {
    "has_email": (True, "the batch row has an address"),
    "is_opted_in": (True, "the person's latest statement on recruiting email is a yes"),
    "is_hired": (False, "nobody hired is mailed"),
    "is_suppressed": (
        False,
        "nobody whose address is suppressed (bounce, block, spam report, unsubscribe, a group unsubscribe not "
        "undone by a later resubscribe, a suppressing drop, an erased person's record), as the landed events say now",
    ),
    "is_erased": (False, "nobody who asked to be erased (the erasure list, as it is now)"),
}
RULES = {
    "nurture": {
        **MAIL_RULES,
        "is_already_sent_this_campaign": (False, "nobody gets this campaign twice (the send ledger, as it is now)"),
        "is_within_frequency_cap": (False, "nobody mailed within the frequency cap (the send ledger, as it is now)"),
    },
    "rejection": {
        **MAIL_RULES,
        "is_rejected": (True, "every mail answers a rejected application"),
        "is_already_sent": (False, "no rejection is mailed twice (the send ledger, as it is now)"),
    },
    "new_position": {
        **MAIL_RULES,
        "is_already_sent": (False, "nobody is told about the same job twice (the send ledger, as it is now)"),
        "is_within_frequency_cap": (False, "nobody mailed within the campaign's frequency cap (the send ledger, now)"),
    },
    "reapply_notice": {
        **MAIL_RULES,
        "is_already_sent": (False, "no rejection gets two re-application notices (the send ledger, as it is now)"),
        "is_within_frequency_cap": (False, "nobody mailed within the campaign's frequency cap (the send ledger, now)"),
    },
    "referral": {
        "has_relay_consent": (True, "the person consented to the provision of their data to Career Relay (APPI)"),
        "is_consent_reference_current": (True, "the row names the record holding that consent"),
        "is_consent_record_landed": (True, "that record is a landed record of this person"),
        "is_rejected": (True, "the referral stands for a rejected application"),
        "is_hired": (False, "nobody hired is referred"),
        "is_erased": (False, "nobody who asked to be erased"),
        "is_already_provided": (False, "nobody is provided twice (the provision log, as it is now)"),
    },
}


def _rules(kind: str, unique: tuple[str, str]) -> Callable[[], list]:
    def build():
        column, text = unique
        return [
            expect("ExpectColumnValuesToBeUnique", BLOCKING, text, column=column),
            *(
                expect(
                    "ExpectColumnValuesToBeInSet",
                    BLOCKING,
                    f"{rule} is {str(passes).lower()}: {meaning}",
                    column=rule,
                    value_set=[passes],
                )
                for rule, (passes, meaning) in RULES[kind].items()
            ),
        ]

    return build


NURTURE_SUITES = (
    GateSuite(
        "nurture_batch",
        "nurture",
        "Every row of the nurture batch about to be sent passes every nurture rule (macro mail_rules), "
        "evaluated now against the landed events and the send ledger.",
        "select * from marts.nurture_batch_checks",
        _rules("nurture", ("candidate_id", "one mail per person in the batch")),
        index_columns=("candidate_id",),
    ),
    GateSuite(
        "nurture_batch_size",
        "nurture",
        "The batch is not far larger than the batches of the last completed nurture runs (a consent default "
        "flipped in an export would suddenly mail everyone). Like with like: only nurture runs that got through "
        "their whole batch (outbox.send_runs), never rejection runs or a send that crashed part-way. Needs 3 "
        "earlier completed nurture runs.",
        f"""
        with completed as (
            select batch_size from outbox.send_runs
            where kind = 'nurture' and batch_size > 0
            order by completed_at desc limit {RECENT_RUNS}
        ),
        history as (select median(batch_size) as median_batch_size, count(*) as runs from completed),
        current_batch as (select count(*) as batch_size from marts.nurture_batch)
        select current_batch.batch_size,
               history.median_batch_size as recent_completed_median,
               case when history.runs >= {MIN_HISTORY_RUNS} and current_batch.batch_size > 0
                    then current_batch.batch_size / history.median_batch_size end as ratio_to_recent_median
        from current_batch cross join history
        """,
        _volume_band(BLOCKING, "the batch size:", "the median of the last completed nurture batches"),
        # the failure names the numbers: this batch's size, the median it was compared with, the ratio
        index_columns=("batch_size", "recent_completed_median"),
    ),
)

OUTBOUND_SUITES = (
    GateSuite(
        "rejection_mail_batch",
        "rejections",
        "Every rejection mail about to go out passes every rejection rule (macro mail_rules), evaluated now "
        "against the landed events and the send ledger.",
        "select * from marts.rejection_mail_batch_checks",
        _rules("rejection", ("step", "one mail per rejected application")),
        index_columns=("candidate_id", "step"),
    ),
    GateSuite(
        "relay_referral_batch",
        "referrals",
        "Personal data goes to Career Relay only for people with recorded consent to that provision (Japan's "
        "APPI): every referral passes every referral rule (macro mail_rules), evaluated now against the "
        "provision log and the erasure list.",
        "select * from marts.relay_referral_batch_checks",
        _rules("referral", ("candidate_id", "one referral per person")),
        index_columns=("candidate_id",),
    ),
)

# issue 18's re-engagement mail, each gated right before its send (flows/send.py, send-alerts)
ALERT_SUITES = (
    GateSuite(
        "new_position_batch",
        "new-position",
        "Every new-position alert about to go out passes every new_position rule (macro mail_rules), evaluated "
        "now against the landed events and the send ledger; one alert per person per run.",
        "select * from marts.new_position_batch_checks",
        _rules("new_position", ("candidate_id", "one alert per person in the batch")),
        index_columns=("candidate_id", "step"),
    ),
    GateSuite(
        "reapply_notice_batch",
        "reapply-notice",
        "Every re-application notice about to go out passes every reapply_notice rule (macro mail_rules), "
        "evaluated now against the landed events and the send ledger; one notice per person.",
        "select * from marts.reapply_notice_batch_checks",
        _rules("reapply_notice", ("candidate_id", "one notice per person in the batch")),
        index_columns=("candidate_id", "step"),
    ),
)

SUITES = RAW_SUITES + (LOAD_VOLUMES,) + NURTURE_SUITES + OUTBOUND_SUITES + ALERT_SUITES

# What a stage records once it has passed: the raw gate marks the loads it checked.
AFTER_PASS = {
    "raw": "update audit.loads set raw_gate_passed_at = ? where raw_gate_passed_at is null and started_at <= ?",
}


def suites_for(stage: str) -> list[GateSuite]:
    return [s for s in SUITES if s.stage == stage]
